import { getInputs } from './input-helper.js';

export async function main(): Promise<void> {
  getInputs();
  throw new Error('rollback: not implemented yet');
}
