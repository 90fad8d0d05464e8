/**
 * Worker-thread entry of a retrain's challenger job (challenger-job.ts). Training is synchronous CPU work
 * that can take minutes; on the main thread it would starve the event loop, the consumer's heartbeats
 * would stop and the group would take the partition away mid-training. Here it blocks only this thread.
 * The protocol is thread-call.ts's.
 */
import { answerInThread } from '../thread-call.ts';
import { runChallengerJob, type ChallengerJobInput, type ChallengerJobResult } from './challenger-job.ts';

await answerInThread<ChallengerJobInput, ChallengerJobResult>((input, progress) => runChallengerJob(input, progress));
