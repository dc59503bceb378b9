/**
 * The bound bench:overload prints next to the measured share of the sustainable rate: how many
 * 200s per second a service offered F times its sustainable rate can give when it must read and
 * answer every request, refusals included (bench/results/overload.findings.md, section 4).
 */
import { describe, expect, it } from 'vitest';
import { boundOkShare } from '../../bench/overload-report.js';

const share = (serviceUsPer200: number, floorUsPerRefusal: number, sustainableRps: number, serverCores = 1, factor = 2) =>
  boundOkShare({ sustainableRps, refusalFloor: { serviceUsPer200, floorUsPerRefusal, serverCores, factor } });

describe('boundOkShare: x*c_a + (F*S - x)*c_r <= cores', () => {
  it('is (1 - 2r) / (1 - r) for a saturated service at twice its rate', () => {
    // c_a 100 µs on one core: S = 10,000/s. r = 0.1 -> 0.8 / 0.9.
    expect(share(100, 10, 10_000)).toBeCloseTo(0.8 / 0.9, 10);
    // A refusal at 9.1% of an answer is what 0.90 needs.
    expect(share(100, 100 / 11, 10_000)).toBeCloseTo(0.9, 10);
  });

  it('is 0 when refusing half the requests takes all the CPU, and never negative', () => {
    expect(share(100, 50, 10_000)).toBe(0);
    expect(share(70, 53, 14_286)).toBe(0);
  });

  it('is near 1 for a model whose answer costs far more than a refusal', () => {
    // 1 ms of CPU per answer, 25 µs per refusal: S = 1,000/s.
    expect(share(1000, 25, 1000)).toBeCloseTo(950_000 / 975 / 1000, 10);
  });

  it('is capped at 1 when the cores cover every request, and counts every core', () => {
    // S = 5,000/s at 100 µs uses half a core: 10,000 requests/s fit with refusals to spare.
    expect(share(100, 10, 5000)).toBe(1);
    // Two cores at S = 20,000/s (saturated): the same as one core at 10,000.
    expect(share(100, 10, 20_000, 2)).toBeCloseTo(0.8 / 0.9, 10);
  });
});
