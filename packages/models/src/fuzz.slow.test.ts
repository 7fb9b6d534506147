import { FUZZ_RUNS_SLOW } from '@dgpose/test-utils';
import { modelsFuzzSuite } from './testing-fuzz';

modelsFuzzSuite(FUZZ_RUNS_SLOW);
