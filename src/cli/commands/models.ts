// `odyssey models`: the zoo with input shape, parameters and multiply-accumulates per image.

import { MODELS } from '../../models/registry.js';
import { formatOptions, parseArgs, UsageError, type OptionSpec } from '../args.js';

const OPTIONS: readonly OptionSpec[] = [{ name: 'json', type: 'bool', help: 'print the table as JSON', defaultText: 'false' }];

export const MODELS_HELP = `Usage: odyssey models [--json]

Lists the model zoo: name, input shape, parameters and forward multiply-accumulates (MACs) per
image, with 10 classes.

Options:
${formatOptions(OPTIONS)}`;

const grouped = (n: number) => n.toLocaleString('en-US');

export function modelsTable(): string {
  const rows = MODELS.map((m) => [m.name, m.inputShape.join('x'), grouped(m.params), grouped(m.macs), m.description]);
  const head = ['model', 'input', 'parameters', 'MACs', 'description'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) => r.map((c, i) => (i === 2 || i === 3 ? c.padStart(widths[i]!) : i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ');
  return [line(head), ...rows.map(line)].join('\n');
}

export function modelsCommand(argv: readonly string[]): number {
  const parsed = parseArgs(argv, OPTIONS, 'models');
  if (parsed.help) {
    process.stdout.write(`${MODELS_HELP}\n`);
    return 0;
  }
  if (parsed.positionals.length > 0) throw new UsageError(`models: unexpected argument '${parsed.positionals[0]}'`);
  if (parsed.values.get('json') === true) {
    process.stdout.write(`${JSON.stringify(MODELS.map((m) => ({ name: m.name, input: m.inputShape, parameters: m.params, macs: m.macs, description: m.description })), null, 2)}\n`);
  } else {
    process.stdout.write(`${modelsTable()}\n`);
  }
  return 0;
}
