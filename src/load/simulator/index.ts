export { startSimulator, type SimulatorHandle, type StartSimulatorOptions } from './start.js';
export { parseFailSpec, ERROR_TYPES, type SimulatorSettings, type SimulatedErrorType, type SettingsPatch } from './settings.js';
export { TOOL_TRIGGER } from './answer.js';
export type { ModelCounts } from './behavior.js';
export { registerSimulateCommand, simulateOptionsFromFlags } from './cli.js';
