// The feed's relevance floor: median plus a share of the gap to the best score.
import { describe, expect, it } from 'vitest';
import { FLOOR_POSITION, relevanceFloor } from '../../src/search/floor.js';

describe('relevanceFloor', () => {
  it('sits halfway from the median to the best score by default, whatever the input order', () => {
    expect(FLOOR_POSITION).toBe(0.5);
    expect(relevanceFloor([10, 4, 3, 2, 1])).toBe(6.5);
    expect(relevanceFloor([1, 2, 10, 3, 4])).toBe(6.5);
    // Even count: the median is the mean of the middle two.
    expect(relevanceFloor([8, 4, 2, 0])).toBe(5.5);
    expect(relevanceFloor([0.7])).toBe(0.7);
  });

  it('moves with the position: 0 is the median, 1 the best', () => {
    expect(relevanceFloor([10, 4, 3, 2, 1], 0)).toBe(3);
    expect(relevanceFloor([10, 4, 3, 2, 1], 1)).toBe(10);
    expect(relevanceFloor([10, 4, 3, 2, 1], 0.25)).toBe(4.75);
  });

  it('admits nothing without candidates', () => {
    expect(relevanceFloor([])).toBe(Infinity);
  });
});
