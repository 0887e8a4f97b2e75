/// tanh without a libm call per value: the forward passes spend most of their element-wise time in
/// tanh (1.6 million values per BPTT step at N = 256, B = 64, T = 100), and glibc's scalar tanh costs
/// as much as the step's gemms at N = 64. Cephes' algorithm (Moshier), written once for SIMD4 lanes:
///   |x| < 0.625:  x + x³ P(x²)/Q(x²)                       (rational minimax, no cancellation near 0)
///   |x| ≥ 0.625:  1 − 2/(e^{2|x|} + 1), sign restored      (e^{2|x|} by Cephes' exp: 2^k · Padé(r), |r| ≤ ln2/2)
///   |x| > 22:     ±1 (tanh rounds to ±1 in Double there)
/// Relative error against glibc's tanh at most 1e-15 (FastTanhTests: about 2e-16 measured, a few ulp
/// at most). The scalar entry runs the same lanes, so a value's tanh never depends on where in a
/// buffer it sits (bit-identical results for any batch split). NaN stays NaN; ±inf gives ±1.
public enum FastTanh {
    /// tanh of every value of `x` into `y` (they may be the same buffer).
    @inlinable
    public static func apply(_ x: UnsafePointer<Double>, into y: UnsafeMutablePointer<Double>, count: Int) {
        var i = 0
        while i + 4 <= count {
            let v = SIMD4<Double>(x[i], x[i + 1], x[i + 2], x[i + 3])
            let r = lanesSkippingUnusedBranch(v)
            y[i] = r[0]; y[i + 1] = r[1]; y[i + 2] = r[2]; y[i + 3] = r[3]
            i += 4
        }
        while i < count {
            y[i] = value(x[i])
            i += 1
        }
    }

    /// tanh(x) for one value: lane 0 of `lanes`, so identical to the buffer version.
    @inlinable
    public static func value(_ x: Double) -> Double { lanes(SIMD4<Double>(x, 0, 0, 0))[0] }

    /// The four-lane kernel: both branches for every lane, then a select (no data-dependent branches).
    /// Each branch ends in one quotient, so one division serves both (the divider bounds the throughput).
    @inlinable @inline(__always)
    public static func lanes(_ x: SIMD4<Double>) -> SIMD4<Double> {
        let ax = x.replacing(with: -x, where: x .< 0)
        return bothBranches(x, ax, ax .>= 0.625)
    }

    /// `lanes` given |x| and which lanes take the large branch.
    @inlinable @inline(__always)
    static func bothBranches(_ x: SIMD4<Double>, _ ax: SIMD4<Double>, _ large: SIMDMask<SIMD4<Int64>>) -> SIMD4<Double> {
        let (smallNumerator, smallDenominator) = smallParts(x)
        let (largeNumerator, largeDenominator) = largeParts(ax)
        let ratio = smallNumerator.replacing(with: largeNumerator, where: large)
            / smallDenominator.replacing(with: largeDenominator, where: large)
        return finish(x, ax, ratio, large)
    }

    /// `lanes`, computing only the branch every lane takes when they agree (the selects would discard
    /// the other): the same operations on the same values, so the same bits. NaN lanes take neither
    /// test and go to `lanes`.
    @inlinable @inline(__always)
    static func lanesSkippingUnusedBranch(_ x: SIMD4<Double>) -> SIMD4<Double> {
        let ax = x.replacing(with: -x, where: x .< 0)
        let large = ax .>= 0.625
        if all(large) {
            let (numerator, denominator) = largeParts(ax)
            return finish(x, ax, numerator / denominator, large)
        }
        if all(ax .< 0.625) {
            let (numerator, denominator) = smallParts(x)
            return finish(x, ax, numerator / denominator, large)
        }
        return bothBranches(x, ax, large)
    }

    /// Small branch: x + x·s·P(s)/Q(s), s = x²; the quotient's numerator and denominator.
    @inlinable @inline(__always)
    static func smallParts(_ x: SIMD4<Double>) -> (SIMD4<Double>, SIMD4<Double>) {
        let s = x * x
        let p = (s * -9.64399179425052238628e-1 + -9.92877231001918586564e1) * s + -1.61468768441708447952e3
        let q = ((s + 1.12811678491632931402e2) * s + 2.23548839060100448583e3) * s + 4.84406305325125486048e3
        return (x * s * p, q)
    }

    /// Large branch: 1 − 2/(e + 1), e = e^{2|x|} = 2^k (Q + P)/(Q − P) (Cephes' exp, below), so
    /// 2/(e + 1) = 2 (Q − P)/(2^k (Q + P) + Q − P); 2|x| clamped to 44 (tanh is ±1 in Double beyond 19.1).
    @inlinable @inline(__always)
    static func largeParts(_ ax: SIMD4<Double>) -> (SIMD4<Double>, SIMD4<Double>) {
        let z = (ax + ax).replacing(with: 44, where: ax .> 22)
        let (scale, pr, qr) = expParts(z)
        return (2 * (qr - pr), scale * (qr + pr) + (qr - pr))
    }

    /// From the quotient to tanh: x + ratio (small) or ±(1 − ratio) (large); tanh(x) rounds to x below
    /// 1e-8 (keeps −0 too); NaN in, NaN out (the clamp would turn it into a number).
    @inlinable @inline(__always)
    static func finish(_ x: SIMD4<Double>, _ ax: SIMD4<Double>, _ ratio: SIMD4<Double>, _ large: SIMDMask<SIMD4<Int64>>) -> SIMD4<Double> {
        var tail = 1 - ratio
        tail.replace(with: -tail, where: x .< 0)
        var result = (x + ratio).replacing(with: tail, where: large)
        result.replace(with: x, where: ax .< 1e-8 .| x .!= x)
        return result
    }

    /// Cephes exp for 0 ≤ z ≤ 44 in parts: z = k ln2 + r (k to nearest, ln2 split in two for an exact
    /// product), e^z = 2^k (Q(r²) + r P(r²))/(Q(r²) − r P(r²)); returns 2^k (built from its exponent
    /// bits), r P and Q (Cephes writes e^r = 1 + 2rP/(Q − rP), the same quotient).
    @inlinable @inline(__always)
    static func expParts(_ z: SIMD4<Double>) -> (scale: SIMD4<Double>, rp: SIMD4<Double>, q: SIMD4<Double>) {
        // k = round(z / ln2) by the 1.5·2^52 trick: the sum's low mantissa bits hold k.
        let shifter: Double = 6755399441055744.0
        let shifted = z * 1.4426950408889634073599 + shifter
        let k = shifted - shifter
        var r = z - k * 6.93145751953125e-1
        r = r - k * 1.42860682030941723212e-6
        let rr = r * r
        let rp = r * ((rr * 1.26177193074810590878e-4 + 3.02994407707441961300e-2) * rr + 9.99999999999999999910e-1)
        let q = ((rr * 3.00198505138664455042e-6 + 2.52448340349684104192e-3) * rr + 2.27265548208155028766e-1) * rr
            + 2.00000000000000000009e0
        // 2^k: k + 1023 in the exponent field (0 ≤ k ≤ 64 here, so always a normal number).
        let kBits = unsafeBitCast(shifted, to: SIMD4<UInt64>.self) & 0xFFFF_FFFF
        let scale = unsafeBitCast((kBits &+ 1023) &<< 52, to: SIMD4<Double>.self)
        return (scale, rp, q)
    }
}
