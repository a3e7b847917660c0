import { version } from 'react';
import { version as domVersion } from 'react-dom';
import { describe, expect, it } from 'vitest';

describe('the React these tests run with', () => {
  it('is one React of the expected major: 19 in `unit`, 18 in `unit-react-18`', () => {
    const major = process.env.TESSERA_EXPECT_REACT_MAJOR ?? '19';
    expect(version.split('.')[0]).toBe(major);
    expect(domVersion.split('.')[0]).toBe(major);
  });
});
