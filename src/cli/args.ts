// Command-line parsing against a table of option specs: `--name value`, `--name=value`, `--flag`,
// `--no-flag`, positionals. Each value is checked against its type (integer, number, choice...)
// and a mistake is a UsageError naming the option and what it expects, which the command turns
// into exit code 2.

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export type OptionType = 'int' | 'number' | 'string' | 'choice' | 'bool';

export interface OptionSpec {
  /** Long name without dashes, kebab-case: 'batch-size'. */
  name: string;
  type: OptionType;
  help: string;
  /** For 'choice'. */
  choices?: readonly string[];
  /** Lower bound for numbers (inclusive). */
  min?: number;
  /** Upper bound for numbers (inclusive). */
  max?: number;
  /** Whether the value may be the word 'none' (meaning null). */
  nullable?: boolean;
  /** The default as shown by --help. */
  defaultText: string;
  /** Value placeholder in the help ('N', 'PATH'). */
  metavar?: string;
  /** Not allowed in a config file (--config itself, --help). */
  cliOnly?: boolean;
}

export type OptionValue = string | number | boolean | null;

/** kebab-case from camelCase or snake_case ('batchSize', 'batch_size' -> 'batch-size'). */
export function kebab(name: string): string {
  return name.replace(/_/g, '-').replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

export function camel(name: string): string {
  return name.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

function expected(spec: OptionSpec): string {
  const none = spec.nullable ? " or 'none'" : '';
  switch (spec.type) {
    case 'int':
    case 'number': {
      const range = spec.min !== undefined && spec.max !== undefined ? ` from ${spec.min} to ${spec.max}` : spec.min !== undefined ? ` >= ${spec.min}` : spec.max !== undefined ? ` <= ${spec.max}` : '';
      return `${spec.type === 'int' ? 'an integer' : 'a number'}${range}${none}`;
    }
    case 'choice': return `one of ${spec.choices!.join(', ')}`;
    case 'bool': return 'true or false';
    default: return `a value${none}`;
  }
}

const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;

/** Checks and converts one value (from the command line as text, or from a config file). */
export function convertValue(spec: OptionSpec, raw: unknown, where: string): OptionValue {
  const bad = (): never => {
    throw new UsageError(`${where}: expected ${expected(spec)}, got ${JSON.stringify(raw)}`);
  };
  if (spec.nullable && (raw === null || raw === 'none')) return null;
  switch (spec.type) {
    case 'int':
    case 'number': {
      // Decimal only: Number() would also read 0x10, 0b10 and 0o10.
      const n = typeof raw === 'number' ? raw : typeof raw === 'string' && DECIMAL.test(raw.trim()) ? Number(raw) : NaN;
      if (!Number.isFinite(n) || (spec.type === 'int' && !Number.isInteger(n)) || (spec.min !== undefined && n < spec.min) || (spec.max !== undefined && n > spec.max)) bad();
      return n;
    }
    case 'bool':
      if (raw === true || raw === 'true' || raw === '1' || raw === 'yes') return true;
      if (raw === false || raw === 'false' || raw === '0' || raw === 'no') return false;
      return bad();
    case 'choice':
      if (typeof raw !== 'string' || !spec.choices!.includes(raw)) bad();
      return raw as string;
    default:
      if (typeof raw !== 'string' || raw === '') bad();
      return raw as string;
  }
}

export interface Parsed {
  /** Options given, by kebab-case name. */
  values: Map<string, OptionValue>;
  positionals: string[];
  help: boolean;
}

/** Parses argv (after the subcommand) against specs; unknown options are usage errors. */
export function parseArgs(argv: readonly string[], specs: readonly OptionSpec[], command: string): Parsed {
  const byName = new Map(specs.map((s) => [s.name, s]));
  const values = new Map<string, OptionValue>();
  const positionals: string[] = [];
  let help = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (arg === '-h' || arg === '--help') {
      help = true;
      continue;
    }
    if (!arg.startsWith('--')) {
      if (arg.startsWith('-') && arg.length > 1 && !/^-\d/.test(arg)) throw new UsageError(`${command}: unknown option '${arg}' (options are long: --name value; see odyssey ${command} --help)`);
      positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    let name = eq >= 0 ? arg.slice(2, eq) : arg.slice(2);
    let inline: string | undefined = eq >= 0 ? arg.slice(eq + 1) : undefined;
    let spec = byName.get(name);
    if (!spec && name.startsWith('no-') && byName.get(name.slice(3))?.type === 'bool' && inline === undefined) {
      name = name.slice(3);
      spec = byName.get(name);
      inline = 'false';
    }
    if (!spec) {
      const near = specs.filter((s) => s.name.includes(name) || name.includes(s.name)).map((s) => `--${s.name}`);
      throw new UsageError(`${command}: unknown option '--${name}'${near.length ? ` (did you mean ${near.join(' or ')}?)` : ''}; see odyssey ${command} --help`);
    }
    let raw: string;
    if (inline !== undefined) raw = inline;
    else if (spec.type === 'bool') raw = 'true';
    else {
      const next = argv[i + 1];
      if (next === undefined || (next.startsWith('--') && next.length > 2)) throw new UsageError(`${command}: option --${spec.name} needs a value: ${spec.type === 'string' ? spec.metavar ?? 'a value' : expected(spec)}`);
      raw = next;
      i++;
    }
    values.set(spec.name, convertValue(spec, raw, `${command}: option --${spec.name}`));
  }
  return { values, positionals, help };
}

/** The options part of --help: one line per option with its default. */
export function formatOptions(specs: readonly OptionSpec[]): string {
  const rows = specs.map((s) => {
    const meta = s.type === 'bool' ? '' : ` ${s.metavar ?? (s.type === 'choice' ? s.choices!.join('|') : s.type === 'int' ? 'N' : s.type === 'number' ? 'X' : 'VALUE')}`;
    return [`  --${s.name}${meta}`, `${s.help} (default: ${s.defaultText})`] as const;
  });
  const width = Math.min(40, Math.max(...rows.map(([a]) => a.length)) + 2);
  return rows.map(([a, b]) => (a.length + 2 > width ? `${a}\n${' '.repeat(width)}${b}` : `${a.padEnd(width)}${b}`)).join('\n');
}

/** A word as a POSIX shell reads it back: unchanged when safe, else single-quoted. */
export function shellQuote(word: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** Option values back into command-line words (`--name value`, `--flag`, `--no-flag`), quoted. */
export function optionWords(values: Iterable<[string, OptionValue]>): string[] {
  const out: string[] = [];
  for (const [name, v] of values) {
    if (typeof v === 'boolean') out.push(v ? `--${name}` : `--no-${name}`);
    else out.push(`--${name}`, shellQuote(v === null ? 'none' : String(v)));
  }
  return out;
}
