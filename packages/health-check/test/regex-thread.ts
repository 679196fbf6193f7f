// The entry of the regex-matching thread when the gate runs from its sources (see settings.ts).
import { serveBodyRegexMatches } from '@sophia/health-check';

serveBodyRegexMatches();
