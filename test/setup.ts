import '../functions/local/promise-with-resolvers.ts';
