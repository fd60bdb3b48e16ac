#!/usr/bin/env node
// The `forestall` command: runs the TypeScript CLI through tsx so no build step is needed after `npm install`.
import { register } from 'tsx/esm/api';

// The SDK versions are pinned and known to work on Node 20; its Node 22 notice is noise in a CLI.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
register();
const { main } = await import('../functions/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
