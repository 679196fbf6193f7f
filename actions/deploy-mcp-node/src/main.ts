import { getInputs } from './input-helper.js';

export async function main(): Promise<void> {
  getInputs();
  throw new Error('deploy-mcp-node: not implemented yet');
}
