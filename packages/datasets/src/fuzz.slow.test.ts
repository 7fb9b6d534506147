import { FUZZ_RUNS_SLOW } from '@dgpose/test-utils';
import { datasetsFuzzSuite } from './testing/fuzz-suite';

datasetsFuzzSuite(FUZZ_RUNS_SLOW);
