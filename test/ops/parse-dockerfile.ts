/**
 * A small Dockerfile reader for static checks (no Docker engine here): instructions with their flags and
 * arguments, line continuations and comments handled, grouped into build stages.
 */

/** One instruction: `COPY --from=build /app/dist ./dist` → keyword COPY, flags {from:'build'}, args. */
export interface Instruction {
  keyword: string;
  flags: Record<string, string>;
  /** The text after the flags, continuations joined with a space. */
  args: string;
  line: number;
}

/** A stage: its FROM (image, name) and the instructions up to the next FROM. */
export interface Stage {
  image: string;
  name: string | undefined;
  instructions: Instruction[];
}

/** The parse: ARGs before the first FROM, and the stages in order. */
export interface Dockerfile {
  globalArgs: Record<string, string>;
  stages: Stage[];
}

function splitFlags(rest: string): { flags: Record<string, string>; args: string } {
  const flags: Record<string, string> = {};
  let args = rest;
  for (;;) {
    const m = /^--([a-z-]+)(?:=(\S+))?\s*/.exec(args);
    if (!m) break;
    flags[m[1] as string] = m[2] ?? 'true';
    args = args.slice(m[0].length);
  }
  return { flags, args: args.trim() };
}

/** Reads instructions (escape character `\`, the default; no `# escape=` directive supported). */
export function parseInstructions(text: string): Instruction[] {
  const out: Instruction[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const start = i;
    let line = lines[i] as string;
    if (/^\s*(#|$)/.test(line)) continue;
    // Continuation: as Docker does, drop the trailing backslash and the newline, keep the next line as is;
    // comment lines inside a continuation are dropped.
    while (/\\\s*$/.test(line) && i + 1 < lines.length) {
      line = line.replace(/\\\s*$/, '');
      i++;
      while (i + 1 < lines.length && /^\s*#/.test(lines[i] as string)) i++;
      line += lines[i] as string;
    }
    const m = /^\s*([A-Za-z]+)\s+(.*)$/s.exec(line);
    if (!m) throw new Error(`Dockerfile line ${start + 1}: cannot read '${line}'`);
    const { flags, args } = splitFlags((m[2] as string).trim());
    out.push({ keyword: (m[1] as string).toUpperCase(), flags, args, line: start + 1 });
  }
  return out;
}

/** Reads a Dockerfile into global ARGs and stages, substituting global ARG defaults into FROM. */
export function parseDockerfile(text: string): Dockerfile {
  const globalArgs: Record<string, string> = {};
  const stages: Stage[] = [];
  for (const ins of parseInstructions(text)) {
    if (ins.keyword === 'FROM') {
      const m = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(ins.args);
      if (!m) throw new Error(`Dockerfile line ${ins.line}: cannot read FROM '${ins.args}'`);
      const image = (m[1] as string).replace(/\$\{?(\w+)\}?/g, (_, name: string) => globalArgs[name] ?? '');
      stages.push({ image, name: m[2], instructions: [] });
    } else if (stages.length === 0) {
      if (ins.keyword !== 'ARG') throw new Error(`Dockerfile line ${ins.line}: ${ins.keyword} before FROM`);
      const [name, value = ''] = ins.args.split('=', 2);
      globalArgs[name as string] = value;
    } else {
      stages[stages.length - 1]?.instructions.push(ins);
    }
  }
  return { globalArgs, stages };
}

/** The JSON (exec) form of CMD/HEALTHCHECK/ENTRYPOINT, or undefined for the shell form. */
export function execForm(args: string): string[] | undefined {
  if (!args.startsWith('[')) return undefined;
  try {
    const v: unknown = JSON.parse(args);
    return Array.isArray(v) && v.every((s) => typeof s === 'string') ? v : undefined;
  } catch {
    // Docker silently runs an invalid JSON array as a shell command: report it as "not exec form".
    return undefined;
  }
}
