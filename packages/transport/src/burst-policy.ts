/**
 * A burst of frames produced in one turn leaves in growing parts: the first 4 at once, then 8, 16,
 * and 32 at a time, the rest in the loop's check phase. The receiver then starts on the first part
 * while the sender produces the rest (2 cores overlap), yet a long burst still travels in few
 * datagrams or writevs. Measured with 64 B datagram echoes: flushing only at the end of the turn
 * gave 150k msgs/s with 64 in flight but 46k with 8 (each side idle while the other worked); this
 * gives ~125k and ~70k. Stream bursts (write-batcher.ts) follow the same policy.
 */
export const FIRST_EARLY_FLUSH_FRAMES = 4;
export const MAX_EARLY_FLUSH_FRAMES = 32;
