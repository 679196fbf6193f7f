/** The controllers, in the order a pass runs them. */
import { collectGarbage } from './garbage-collector.js';
import type { Controller } from './manager.js';

export const CONTROLLERS: Controller[] = [collectGarbage];
