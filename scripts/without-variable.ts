// Takes one variable out of a deploy file as text, so that the rest keeps its comments and its
// layout: an entry of app.json's `env`, or a `- key: NAME` item of a YAML env list (render.yaml,
// .do/deploy.template.yaml) with the comment lines just above it, which are about it.

export type DeployFileFormat = 'json' | 'yaml';

const literal = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const indentOf = (line: string) => /^ */.exec(line)?.[0].length ?? 0;

/** The lines of app.json's `"NAME": { … }` or `"NAME": "…"` entry, first and last, if there is one. */
function jsonEntry(lines: readonly string[], name: string): [number, number] | undefined {
  const first = lines.findIndex((line) => new RegExp(`^\\s*"${literal(name)}"\\s*:`).test(line));
  if (first === -1) return undefined;
  const line = lines[first] as string;
  if (!/:\s*\{\s*$/.test(line)) return [first, first];
  const indent = indentOf(line);
  const last = lines.findIndex((l, i) => i > first && indentOf(l) === indent && /^\s*\},?\s*$/.test(l));
  return last === -1 ? undefined : [first, last];
}

/** The lines of a YAML list item `- key: NAME` and its comments, first and last, if there is one. */
function yamlItem(lines: readonly string[], name: string): [number, number] | undefined {
  const key = lines.findIndex((line) => new RegExp(`^\\s*- key:\\s*["']?${literal(name)}["']?\\s*$`).test(line));
  if (key === -1) return undefined;
  const indent = indentOf(lines[key] as string);
  let first = key;
  while (first > 0 && indentOf(lines[first - 1] as string) === indent && /^\s*#/.test(lines[first - 1] as string))
    first -= 1;
  let last = key;
  while (
    last + 1 < lines.length &&
    (lines[last + 1] as string).trim() !== '' &&
    indentOf(lines[last + 1] as string) > indent
  )
    last += 1;
  return [first, last];
}

/**
 * The text without the variable; the text itself where it is not named; undefined where it is
 * named in a shape this does not know, so that the caller can refuse rather than guess.
 */
export function withoutVariable(text: string, format: DeployFileFormat, name: string): string | undefined {
  if (!text.includes(name)) return text;
  const lines = text.split('\n');
  const found = format === 'json' ? jsonEntry(lines, name) : yamlItem(lines, name);
  if (found === undefined) return undefined;
  const [first, last] = found;
  const kept = [...lines.slice(0, first), ...lines.slice(last + 1)];
  // The last entry of a JSON object: the one before it loses its comma.
  const before = kept[first - 1];
  if (format === 'json' && !(lines[last] as string).trimEnd().endsWith(',') && before?.trimEnd().endsWith(','))
    kept[first - 1] = before.trimEnd().slice(0, -1);
  const result = kept.join('\n');
  if (result.includes(name)) return undefined;
  if (format === 'json') {
    try {
      JSON.parse(result);
    } catch {
      return undefined;
    }
  }
  return result;
}
