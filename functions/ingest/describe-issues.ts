import type { z } from 'zod';

/**
 * Turns zod issues into messages a person fixing a feed or an inventory file can act on:
 * `assets[3].criticality: expected one of low|medium|high`, `assets[2]: unknown field "foo"`.
 */

type Issue = z.core.$ZodIssue;

/** `vulnerabilities[17].dateAdded` from ['vulnerabilities', 17, 'dateAdded'], appended to `base`. */
export function formatPath(path: readonly PropertyKey[], base = ''): string {
  let out = base;
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (typeof segment === 'string' && /^[A-Za-z_$][\w$-]*$/.test(segment)) out += out ? `.${segment}` : segment;
    else out += `[${JSON.stringify(String(segment))}]`;
  }
  return out;
}

function describeIssue(issue: Issue): { path: readonly PropertyKey[]; message: string }[] {
  switch (issue.code) {
    case 'invalid_value':
      return [{ path: issue.path, message: `expected one of ${issue.values.map(String).join('|')}` }];
    case 'unrecognized_keys':
      return issue.keys.map((key) => ({ path: issue.path, message: `unknown field "${key}"` }));
    case 'invalid_type':
      return [
        {
          path: issue.path,
          message: /received undefined$/.test(issue.message)
            ? `required field missing (expected ${issue.expected})`
            : issue.message.replace(/^Invalid input: /, ''),
        },
      ];
    case 'invalid_union': {
      // Report the alternative that came closest, so "expected a cpe or a purl" reads as what is wrong.
      const closest = [...issue.errors].sort((a, b) => a.length - b.length)[0];
      if (!closest || closest.length === 0) return [{ path: issue.path, message: issue.message }];
      return closest.flatMap((inner) =>
        describeIssue(inner).map((d) => ({ path: [...issue.path, ...d.path], message: d.message })),
      );
    }
    default:
      return [{ path: issue.path, message: issue.message }];
  }
}

/** One line per problem, each `<base><path>: <message>`. */
export function describeIssues(issues: readonly Issue[], base = ''): string[] {
  return issues.flatMap(describeIssue).map(({ path, message }) => {
    const where = formatPath(path, base);
    return where ? `${where}: ${message}` : message;
  });
}
