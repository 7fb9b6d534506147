import { FUZZ_RUNS } from '@dgpose/test-utils';
import { datasetsFuzzSuite } from './testing/fuzz-suite';

datasetsFuzzSuite(FUZZ_RUNS);
