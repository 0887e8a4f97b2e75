internal import PackedGemm

/// A product whose right-hand operand is the same for a whole pass (the recurrent weights, in the
/// per-step products r_{t-1} Wᵀ and da_t W): op(B) is packed once, and `gemm` reuses it, where
/// OpenBLAS would repack it on every call.
///
/// The packed kernel (Sources/PackedGemm, 4 × 12 tiles of fused multiply-adds) computes each element
/// as one chain of fused multiply-adds over k in order from 0, then stores it or adds it to C: OpenBLAS's
/// Haswell/Zen kernel does the same for k ≤ 256 and m a multiple of 4, so its numbers are `BLAS.gemm`'s
/// bit for bit (`kernelMatchesOpenBLAS` checks this once per process; `PackedProductTests` on many
/// shapes). It is used only where it was measured to be faster than OpenBLAS on this machine — few rows
/// (m ≤ 32) and long rows (192 ≤ k ≤ 256), where repacking W is a large share of each call (B = 32,
/// N = 256: 100 products in 11.0 instead of 11.7–12.0 ms, the BPTT step 7% faster); at smaller N
/// OpenBLAS's own kernel was up to 1.4× faster, and at B = 64 the two were even.
/// It owns its packing buffer: one per pass (allocated here, outside the time loop).
public final class PackedOperand {
    public let transposed: Bool
    public let n: Int
    public let k: Int
    /// Whether `pack` fills a buffer the kernel reads (false: `gemm` calls `BLAS.gemm` on `b`).
    public let packs: Bool
    /// op(B) packed in 12-column panels (nil when the kernel is not used).
    private let buffer: UnsafeMutablePointer<Double>?

    /// op(B) is k × n (B is n × k when `transposed`, else k × n), multiplied by A of `rows` rows.
    public init(transposed: Bool, n: Int, k: Int, rows: Int) {
        self.transposed = transposed
        self.n = n
        self.k = k
        packs = PackedOperand.usesKernel(rows: rows, n: n, k: k) && PackedOperand.kernelMatchesOpenBLAS
        buffer = packs ? .allocate(capacity: packed_gemm_buffer_count(Int32(n), Int32(k))) : nil
    }

    deinit { buffer?.deallocate() }

    /// The shapes the kernel takes (where it beats OpenBLAS and is OpenBLAS's arithmetic).
    public static func usesKernel(rows m: Int, n: Int, k: Int) -> Bool {
        m > 0 && m <= 32 && m % 4 == 0 && n >= 1 && k >= 192 && k <= longestSum
    }

    /// Packs op(B) (leading dimension `ldb`) for the following `gemm` calls; nothing when not used.
    public func pack(_ b: UnsafePointer<Double>, ldb: Int) {
        guard let buffer else { return }
        packed_gemm_pack(transposed ? 1 : 0, Int32(n), Int32(k), b, Int32(ldb), buffer)
    }

    /// C = A op(B) (beta 0) or C + A op(B) (beta 1), A m × k: from the packed op(B) when the kernel
    /// applies, else `BLAS.gemm` on `b` itself (which must be what was packed). The same numbers either way.
    public func gemm(
        m: Int, a: UnsafePointer<Double>, lda: Int, b: UnsafePointer<Double>, ldb: Int,
        beta: Double, c: UnsafeMutablePointer<Double>, ldc: Int
    ) {
        precondition(beta == 0 || beta == 1, "the packed product adds to C or overwrites it")
        if let buffer, PackedOperand.usesKernel(rows: m, n: n, k: k) {
            packed_gemm(Int32(m), Int32(n), Int32(k), a, Int32(lda), buffer, c, Int32(ldc), beta == 1 ? 1 : 0)
        } else {
            BLAS.gemm(transB: transposed, m: m, n: n, k: k, a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc)
        }
    }

    /// The kernel's product without the shape rule (tests compare it with OpenBLAS on any shape).
    public static func kernelGemm(
        transposed: Bool, m: Int, n: Int, k: Int, a: UnsafePointer<Double>, lda: Int, b: UnsafePointer<Double>, ldb: Int,
        beta: Double, c: UnsafeMutablePointer<Double>, ldc: Int
    ) {
        precondition(m % 4 == 0 && (beta == 0 || beta == 1))
        var buffer = [Double](repeating: 0, count: Int(packed_gemm_buffer_count(Int32(n), Int32(k))))
        buffer.withUnsafeMutableBufferPointer { p in
            packed_gemm_pack(transposed ? 1 : 0, Int32(n), Int32(k), b, Int32(ldb), p.baseAddress!)
            packed_gemm(Int32(m), Int32(n), Int32(k), a, Int32(lda), p.baseAddress!, c, Int32(ldc), beta == 1 ? 1 : 0)
        }
    }

    /// OpenBLAS (0.3.21, Zen) sums k ≤ 256 in one chain; longer sums it splits at its block size.
    static let longestSum = 256

    /// Whether this CPU runs the kernel (AVX2 and FMA).
    public static var cpuSupported: Bool { packed_gemm_cpu_supported() != 0 }

    /// Checked once per process, before first use: on this CPU and this OpenBLAS, the kernel gives
    /// cblas_dgemm's results bit for bit on the shapes it takes (and smaller ones of the same classes:
    /// full and partial panels, both layouts, overwrite and add). Another OpenBLAS kernel (another CPU,
    /// a summation split differently) differs in the last bits of almost every element of random data,
    /// so a mismatch keeps every product on OpenBLAS.
    public static let kernelMatchesOpenBLAS: Bool = {
        guard cpuSupported else { return false }
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        func next() -> Double {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Double(Int64(bitPattern: state >> 11) - (1 << 52)) / Double(1 << 52)
        }
        for (m, n, k) in [(4, 13, 7), (8, 12, 12), (32, 32, 32), (32, 256, 256), (32, 250, 200), (16, 192, 192)] {
            for transposed in [false, true] {
                for beta in [0.0, 1.0] {
                    let a = (0..<(m * k)).map { _ in next() }, b = (0..<(n * k)).map { _ in next() }, c0 = (0..<(m * n)).map { _ in next() }
                    var expected = c0, got = c0
                    let ldb = transposed ? k : n
                    expected.withUnsafeMutableBufferPointer { e in
                        BLAS.openBLASGemm(transB: transposed, m: m, n: n, k: k, a: a, lda: k, b: b, ldb: ldb, beta: beta,
                                          c: e.baseAddress!, ldc: n)
                    }
                    got.withUnsafeMutableBufferPointer { g in
                        kernelGemm(transposed: transposed, m: m, n: n, k: k, a: a, lda: k, b: b, ldb: ldb, beta: beta,
                                   c: g.baseAddress!, ldc: n)
                    }
                    if expected.map(\.bitPattern) != got.map(\.bitPattern) { return false }
                }
            }
        }
        return true
    }()
}
