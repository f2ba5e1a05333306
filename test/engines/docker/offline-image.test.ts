/**
 * Which image tags a build removes: not every other content hash (that pulled the image from
 * under another checkout's tests running on the same daemon), only those past the newest few.
 * Pure: no daemon needed.
 */
import { describe, expect, it } from 'vitest';
import { KEPT_IMAGES_PER_REPO, staleImageTags } from '../../../src/engines/docker/offline-image.js';

describe('staleImageTags', () => {
  it('keeps the one just built and the newest others, up to the limit', () => {
    const tags = ['r:e', 'r:d', 'r:c', 'r:b', 'r:a'];
    expect(KEPT_IMAGES_PER_REPO).toBe(3);
    expect(staleImageTags(tags, 'r:e')).toEqual(['r:b', 'r:a']);
    // the one just built may already have existed further down the list
    expect(staleImageTags(tags, 'r:a')).toEqual(['r:c', 'r:b']);
    expect(staleImageTags(['r:x', 'r:y'], 'r:x')).toEqual([]);
    expect(staleImageTags(tags, 'r:e', 1)).toEqual(['r:d', 'r:c', 'r:b', 'r:a']);
  });
});
