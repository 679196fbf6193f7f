import * as core from '@actions/core';

/** A step output's value: strings, numbers and booleans as text, objects and arrays as JSON. */
export type OutputValue = string | number | boolean | object;

/**
 * Objects and arrays are written as JSON so later steps can use `fromJSON()`. Not exported from
 * the package: actions set their outputs through a `Publication`.
 */
export function setOutputs(outputs: Record<string, OutputValue>): void {
  for (const [name, value] of Object.entries(outputs)) {
    core.setOutput(name, typeof value === 'object' ? JSON.stringify(value) : String(value));
  }
}
