// State dicts use PyTorch's names (weight_decay, exp_avg_sq, initial_lr, ...) so that a checkpoint
// reads like PyTorch's; the TypeScript API uses the same names in camelCase.

export function camelToSnake(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

export function snakeToCamel(name: string): string {
  return name.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}
