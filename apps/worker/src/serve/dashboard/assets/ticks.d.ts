/** The round step (1, 2, 2.5 or 5 × 10^n) that cuts `span` into at most about `target` intervals. */
export declare function niceStep(span: number, target?: number): number
/**
 * Ticks from a round value at or below `min` (and 0) to one at or above `max` (and 0), a round step
 * apart. `integer`: never a step below 1 (counts of calls).
 */
export declare function niceTicks(min: number, max: number, target?: number, integer?: boolean): number[]
