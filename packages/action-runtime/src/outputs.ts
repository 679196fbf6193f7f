import * as core from '@actions/core';

export type OutputValue = string | number | boolean | object;

/** Objects and arrays are written as JSON so later steps can use `fromJSON()`. */
export function setOutputs(outputs: Record<string, OutputValue>): void {
  for (const [name, value] of Object.entries(outputs)) {
    core.setOutput(name, typeof value === 'object' ? JSON.stringify(value) : String(value));
  }
}
