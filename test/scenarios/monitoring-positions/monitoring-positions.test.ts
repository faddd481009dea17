import { describeScenario } from '../support/scenario-suite.ts';
import { scenario } from './scenario.ts';

describeScenario(scenario, { reversible: true });
