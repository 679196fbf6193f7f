import * as core from '@actions/core';
import type { OutputValue } from '@sophia/reporting';

/**
 * Objects and arrays are written as JSON so later steps can use `fromJSON()`. Not exported from
 * the package: actions set their outputs through a `Publication`.
 */
export function setOutputs(outputs: Record<string, OutputValue>): void {
  for (const [name, value] of Object.entries(outputs)) {
    core.setOutput(name, typeof value === 'object' ? JSON.stringify(value) : String(value));
  }
}
