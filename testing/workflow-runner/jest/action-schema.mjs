// @actions/workflow-parser imports its JSON schemas without an import attribute, which ESM
// refuses (plain node fails; jest warns that it soon will). jest.config.js maps that import here.
// (tsx and bundlers load the package unchanged.)
import { readFileSync } from 'node:fs';

const schema = new URL('../node_modules/@actions/workflow-parser/dist/action-v1.0.min.json', import.meta.url);
export default JSON.parse(readFileSync(schema, 'utf8'));
