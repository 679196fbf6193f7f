import { getInputs } from './input-helper.js';

export async function main(): Promise<void> {
  getInputs();
  throw new Error('deploy-k3s-backend: not implemented yet');
}
