/**
 * A cheap key for the in-memory scan's first look at a component, before any parser runs: most of an
 * estate's components name packages no intel mentions, and they should cost a few string operations.
 * It is deliberately looser than the package key (lower case everywhere, `-`, `_` and `.` alike), so a
 * component whose package key is in the intel always gets the same fast key; every fast hit is then
 * confirmed with the exact package key (store/keys.ts) before it counts.
 */

const SEPARATORS = /[-_.]+/g;

function loosen(text: string): string {
  const lower = text.toLowerCase();
  // Only some names are spelled with `_` or `.` (PyPI normalises them); skip the regex for the rest.
  return lower.includes('_') || lower.includes('.') || lower.includes('--') ? lower.replace(SEPARATORS, '-') : lower;
}

function decode(text: string): string {
  if (!text.includes('%')) return text;
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** `vendor` and `product` of a CPE 2.3 string or a `cpe:<vendor>:<product>` key, escapes removed. */
function cpeVendorProduct(text: string, skip: number): string | undefined {
  const parts: string[] = [];
  let current = '';
  let field = 0;
  for (let i = 0; i < text.length; i += 1) {
    const char = text[i] as string;
    if (char === '\\') {
      current += text[i + 1] ?? '';
      i += 1;
    } else if (char === ':') {
      if (field >= skip) parts.push(current);
      if (parts.length === 2) break;
      current = '';
      field += 1;
    } else {
      current += char;
    }
  }
  if (parts.length < 2 && field >= skip) parts.push(current);
  if (parts.length < 2) return undefined;
  return `c:${loosen(parts[0] as string)}:${loosen(parts[1] as string)}`;
}

/** `type/namespace/name` of a purl (`pkg:npm/%40babel/core@7.0.0?x=y#sub`), version and the rest cut off. */
function purlPath(purl: string): string {
  const at = purl.lastIndexOf('@');
  // The common form, `pkg:type/.../name@version` with nothing after the version: one slice.
  if (at > purl.lastIndexOf('/') && purl.indexOf('?', at) === -1 && purl.indexOf('#', at) === -1 && purl.charCodeAt(4) !== 0x2f) return purl.slice(4, at);
  return purlPathSlow(purl);
}

function purlPathSlow(purl: string): string {
  let rest = purl.slice(4);
  while (rest.startsWith('/')) rest = rest.slice(1);
  const hash = rest.indexOf('#');
  if (hash !== -1) rest = rest.slice(0, hash);
  const query = rest.indexOf('?');
  if (query !== -1) rest = rest.slice(0, query);
  const at = rest.lastIndexOf('@');
  if (at !== -1 && at > rest.lastIndexOf('/')) rest = rest.slice(0, at);
  while (rest.endsWith('/')) rest = rest.slice(0, -1);
  return rest;
}

/** The fast key of an inventory identifier: a CPE 2.3 string or a purl. Undefined when it is neither. */
export function fastKeyOfIdentifier(identifier: string): string | undefined {
  if (identifier.startsWith('pkg:')) return `p:${loosen(decode(purlPath(identifier)))}`;
  if (identifier.startsWith('cpe:2.3:')) return cpeVendorProduct(identifier, 3);
  return undefined;
}

/** The fast key of a package key (`cpe:<vendor>:<product>`, `purl:<type>/<namespace>/<name>`). */
export function fastKeyOfPackageKey(packageKey: string): string | undefined {
  if (packageKey.startsWith('purl:')) return `p:${loosen(packageKey.slice(5))}`;
  if (packageKey.startsWith('cpe:')) return cpeVendorProduct(packageKey, 1);
  return undefined;
}
