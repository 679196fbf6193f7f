import { InputReader } from '@sophia/inputs';

export async function main(): Promise<void> {
  const inputs = new InputReader();
  inputs.required('urls');
  throw new Error('health-gate: not implemented yet');
}
