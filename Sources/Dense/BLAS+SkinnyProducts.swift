internal import CPUGuard

/// Products with one small dimension (a handful of inputs or outputs, k ≤ 8, n ≤ 4 or m ≤ 4), computed
/// here instead of by OpenBLAS, with OpenBLAS's arithmetic. Such products are a small part of a step's
/// FLOPs and up to a fifth of its time (docs/performance.md): the input drive X Uᵀ and the readout
/// H Vᵀ over all T·B rows, dL/dh = dY V, dV = dYᵀ H, dU = dᵀ X. OpenBLAS spends them zeroing C,
/// packing panels and running a kernel tuned for square tiles; here each is one pass.
///
/// The arithmetic is the one OpenBLAS 0.3.21's Haswell/Zen dgemm kernel and driver do on one thread
/// (as protocols run it), so every result is bit-identical to cblas_dgemm's (SkinnyProductTests checks
/// it against the library on thousands of shapes, where the running OpenBLAS uses that kernel). A
/// threaded OpenBLAS splits long sums and odd row counts otherwise; these give the one-thread numbers
/// at any thread count:
/// - k is summed in blocks: 256 at a time while at least 512 remain, then the rest in one block if
///   at most 256, else in two halves rounded up to a multiple of 4 (the driver's GEMM_Q split);
/// - each block is one chain of fused multiply-adds from 0 in k order, added to C (C starts at +0
///   when beta = 0, which OpenBLAS zeroes first, so a −0 sum is stored as +0);
/// - except the last row when m is odd (OpenBLAS's one-column tail kernel): the block's first
///   k − k mod 8 terms go round-robin into four partial sums, the rest into the first, and the block's
///   sum is (s0 + s1) + (s2 + s3). Its neighbour tail kernels differ again where n is not a multiple
///   of 4, so odd m with such n is left to OpenBLAS.
/// Anything else (alpha ≠ 1, other betas, wide shapes) goes to OpenBLAS.
extension BLAS {
    /// Whether `gemm` computes this product here. Public so tests can name the shapes it covers.
    public static func computesSkinny(m: Int, n: Int, k: Int, alpha: Double, beta: Double) -> Bool {
        alpha == 1 && (beta == 0 || beta == 1) && k > 0 && (k <= 8 || n <= 4 || m <= 4)
            && (m % 2 == 0 || n % 4 == 0)
    }

    /// Whether `gemm` computes skinny shapes itself in this build (builds for AVX2 and FMA).
    public static var skinnyProductsEnabled: Bool { SkinnyProduct.enabled }

    /// A product `computesSkinny` accepts, by the hand-written kernels whatever the build (tests
    /// compare it with `openBLASGemm`).
    public static func skinnyGemm(
        transA: Bool = false, transB: Bool = false, m: Int, n: Int, k: Int,
        a: UnsafePointer<Double>, lda: Int, b: UnsafePointer<Double>, ldb: Int,
        beta: Double = 0, c: UnsafeMutablePointer<Double>, ldc: Int
    ) {
        precondition(computesSkinny(m: m, n: n, k: k, alpha: 1, beta: beta), "skinnyGemm on a shape it does not cover")
        if m == 0 || n == 0 { return }
        if !SkinnyProduct.run(transA: transA, transB: transB, m: m, n: n, k: k, a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc) {
            openBLASGemm(transA: transA, transB: transB, m: m, n: n, k: k, a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc)
        }
    }
}

/// The hand-written kernels behind `BLAS.gemm` for skinny shapes (see above for the arithmetic).
enum SkinnyProduct {
    /// OpenBLAS's k block (DGEMM_DEFAULT_Q for Haswell/Zen) and the multiple its last two blocks round to.
    static let blockDepth = 256
    static let blockRounding = 4
    /// Only in builds for FMA (make's default where the CPU has AVX2 and FMA): a portable build turns
    /// each fused multiply-add into a libm call, which would make these products slower than
    /// OpenBLAS's. Both builds get OpenBLAS's numbers.
    static let enabled = plasticity_build_requires_avx2_fma() == 1
    /// Largest packed copy of B (doubles) made to give the column kernel contiguous lanes.
    static let packLimit = 1 << 16

    /// The length of the next k block when `remaining` terms are left.
    @inline(__always)
    static func nextBlock(_ remaining: Int) -> Int {
        if remaining >= 2 * blockDepth { return blockDepth }
        if remaining > blockDepth { return ((remaining / 2 + blockRounding - 1) / blockRounding) * blockRounding }
        return remaining
    }

    /// `body` for each k block in order, and whether it is the first (C's running total starts there).
    @inline(__always)
    static func forEachBlock(_ k: Int, _ body: (_ block: Range<Int>, _ first: Bool) -> Void) {
        var start = 0
        while start < k {
            let block = start..<(start + nextBlock(k - start))
            body(block, start == 0)
            start = block.upperBound
        }
    }

    /// How a skinny product is computed.
    enum Path {
        /// A few outputs per row of a transposed A (dU = dᵀX): rows are the long, contiguous side.
        case outerProductsOverRows
        /// A few rows of a long sum (dV = dYᵀH): B's rows are the long, contiguous side.
        case outerProductsOverColumns
        /// Every row on its own, columns as lanes, B read in place or packed.
        case columnLanes(packed: Bool)
        /// B would need too large a packed copy: OpenBLAS.
        case none
    }

    static func path(transA: Bool, transB: Bool, m: Int, n: Int, k: Int) -> Path {
        if transA && n <= 4 && m >= 4 && (n + 3) * m <= packLimit { return .outerProductsOverRows }
        if m <= 4 && !transB && n % 4 == 0 && (m + 3) * n <= packLimit { return .outerProductsOverColumns }
        if !transB && n % 4 == 0 { return .columnLanes(packed: false) }
        return k * ((n + 3) / 4 * 4) <= packLimit ? .columnLanes(packed: true) : .none
    }

    /// C = op(A) op(B) + beta C for a shape `BLAS.computesSkinny` accepts; false if it chose not to
    /// (B would need too large a packed copy), and then nothing was written.
    static func run(
        transA: Bool, transB: Bool, m: Int, n: Int, k: Int, a: UnsafePointer<Double>, lda: Int,
        b: UnsafePointer<Double>, ldb: Int, beta: Double, c: UnsafeMutablePointer<Double>, ldc: Int
    ) -> Bool {
        let accumulate = beta == 1
        let A = Operand(base: a, rowStride: transA ? 1 : lda, step: transA ? lda : 1)  // A(i, l)
        let B = Operand(base: b, rowStride: transB ? ldb : 1, step: transB ? 1 : ldb)  // B(l, j) = base[j·rowStride + l·step]
        let oddRow = m % 2 == 1 ? m - 1 : -1
        switch path(transA: transA, transB: transB, m: m, n: n, k: k) {
        case .outerProductsOverRows:
            let covered = (oddRow >= 0 ? oddRow : m) / 4 * 4
            outerProducts(k: k, length: covered, short: n, oddEntry: -1, long: a, longStride: lda,
                          weights: b, weightStride: B.rowStride, weightStep: B.step, c: c, cShort: 1, cLong: ldc, accumulate: accumulate)
            for i in covered..<m {
                for j in 0..<n { element(i: i, j: j, k: k, odd: i == oddRow, a: A, b: B, c: c, ldc: ldc, accumulate: accumulate) }
            }
        case .outerProductsOverColumns:
            outerProducts(k: k, length: n, short: m, oddEntry: oddRow, long: b, longStride: ldb,
                          weights: a, weightStride: A.rowStride, weightStep: A.step, c: c, cShort: ldc, cLong: 1, accumulate: accumulate)
        case .columnLanes(let packed):
            columnLanes(m: m, n: n, k: k, a: A, b: b, ldb: ldb, transB: transB, packed: packed, oddRow: oddRow, c: c, ldc: ldc, accumulate: accumulate)
        case .none:
            return false
        }
        return true
    }

    /// The column-lane path, B read in place (its rows contiguous, n a multiple of 4) or from a packed,
    /// zero-padded copy of op(B).
    static func columnLanes(
        m: Int, n: Int, k: Int, a: Operand, b: UnsafePointer<Double>, ldb: Int, transB: Bool, packed: Bool, oddRow: Int,
        c: UnsafeMutablePointer<Double>, ldc: Int, accumulate: Bool
    ) {
        guard packed else {
            columnLanes(m: m, n: n, k: k, a: a, b: b, bRow: ldb, oddRow: oddRow, c: c, ldc: ldc, accumulate: accumulate)
            return
        }
        let paddedWidth = (n + 3) / 4 * 4
        withUnsafeTemporaryAllocation(of: Double.self, capacity: k * paddedWidth) { buffer in
            let p = buffer.baseAddress!
            for l in 0..<k {
                let row = p + l * paddedWidth
                for j in 0..<n { row[j] = transB ? b[j * ldb + l] : b[l * ldb + j] }
                for j in n..<paddedWidth { row[j] = 0 }
            }
            columnLanes(m: m, n: n, k: k, a: a, b: p, bRow: paddedWidth, oddRow: oddRow, c: c, ldc: ldc, accumulate: accumulate)
        }
    }

    /// A matrix operand read element by element: X(r, l) = base[r·rowStride + l·step].
    struct Operand {
        let base: UnsafePointer<Double>
        let rowStride: Int
        let step: Int
        @inline(__always) func row(_ r: Int) -> UnsafePointer<Double> { base + r * rowStride }
    }

    /// One element, in the order its OpenBLAS kernel uses (the tails the vector kernels leave).
    static func element(
        i: Int, j: Int, k: Int, odd: Bool, a: Operand, b: Operand, c: UnsafeMutablePointer<Double>, ldc: Int,
        accumulate: Bool
    ) {
        let ar = a.row(i), bc = b.row(j)
        var total = accumulate ? c[i * ldc + j] : 0
        forEachBlock(k) { block, _ in
            if odd {
                var s = (0.0, 0.0, 0.0, 0.0)
                let roundRobin = block.count - block.count % 8
                for t in 0..<block.count {
                    let product = (ar[(block.lowerBound + t) * a.step], bc[(block.lowerBound + t) * b.step])
                    switch t < roundRobin ? t % 4 : 0 {
                    case 0: s.0 = s.0.addingProduct(product.0, product.1)
                    case 1: s.1 = s.1.addingProduct(product.0, product.1)
                    case 2: s.2 = s.2.addingProduct(product.0, product.1)
                    default: s.3 = s.3.addingProduct(product.0, product.1)
                    }
                }
                total = total + ((s.0 + s.1) + (s.2 + s.3))
            } else {
                var s = 0.0
                for t in block { s = s.addingProduct(ar[t * a.step], bc[t * b.step]) }
                total = total + s
            }
        }
        c[i * ldc + j] = total
    }

    // MARK: columns as lanes

    /// C(i, j..j+3) for every row, B's rows contiguous (`bRow` apart) and readable in whole vectors
    /// up to n rounded up to 4 (lanes past n are computed, never stored). k blocks are the outer loop
    /// (as in OpenBLAS), so a long sum streams each block of op(B) once through the cache, and C holds
    /// the running total between blocks.
    static func columnLanes(
        m: Int, n: Int, k: Int, a: Operand, b: UnsafePointer<Double>, bRow: Int, oddRow: Int,
        c: UnsafeMutablePointer<Double>, ldc: Int, accumulate: Bool
    ) {
        let vectors = (n + 3) / 4
        let evenRows = oddRow >= 0 ? oddRow : m
        forEachBlock(k) { block, first in
            let add = accumulate || !first
            if vectors >= 4 {
                // Wide: one row at a time, four whole vectors (four independent chains) at a time.
                for i in 0..<evenRows {
                    var v = 0
                    while v + 4 <= n / 4 {
                        rowByFourVectors(i: i, column: 4 * v, block: block, a: a, b: b, bRow: bRow, c: c, ldc: ldc, add: add)
                        v += 4
                    }
                    while v < vectors {
                        rowsByVector(rows: i..<(i + 1), column: 4 * v, n: n, block: block, a: a, b: b, bRow: bRow, c: c, ldc: ldc, add: add)
                        v += 1
                    }
                }
            } else {
                // Narrow (a few outputs over a long k): eight rows per vector keep eight chains in flight.
                for v in 0..<vectors {
                    var i = 0
                    while i + 8 <= evenRows {
                        rowsByVector(rows: i..<(i + 8), column: 4 * v, n: n, block: block, a: a, b: b, bRow: bRow, c: c, ldc: ldc, add: add)
                        i += 8
                    }
                    while i < evenRows {
                        rowsByVector(rows: i..<(i + 1), column: 4 * v, n: n, block: block, a: a, b: b, bRow: bRow, c: c, ldc: ldc, add: add)
                        i += 1
                    }
                }
            }
            if oddRow >= 0 {
                // n is a multiple of 4 here (`computesSkinny`).
                for v in 0..<vectors { oddRowByVector(i: oddRow, column: 4 * v, block: block, a: a, b: b, bRow: bRow, c: c, ldc: ldc, add: add) }
            }
        }
    }

    @inline(__always)
    static func load(_ c: UnsafeMutablePointer<Double>, _ lanes: Int) -> SIMD4<Double> {
        if lanes == 4 { return UnsafeRawPointer(c).loadUnaligned(as: SIMD4<Double>.self) }
        var v = SIMD4<Double>(repeating: 0)
        for l in 0..<lanes { v[l] = c[l] }
        return v
    }

    @inline(__always)
    static func store(_ v: SIMD4<Double>, _ c: UnsafeMutablePointer<Double>, _ lanes: Int) {
        if lanes == 4 { UnsafeMutableRawPointer(c).storeBytes(of: v, as: SIMD4<Double>.self); return }
        for l in 0..<lanes { c[l] = v[l] }
    }

    @inline(__always)
    static func vector(_ b: UnsafePointer<Double>) -> SIMD4<Double> { UnsafeRawPointer(b).loadUnaligned(as: SIMD4<Double>.self) }

    /// Rows `rows` (1 or 8) × columns column..column+3, over one k block: C = (C or 0) + the block's chain.
    @inline(__always)
    static func rowsByVector(
        rows: Range<Int>, column j: Int, n: Int, block: Range<Int>, a: Operand, b: UnsafePointer<Double>, bRow: Int,
        c: UnsafeMutablePointer<Double>, ldc: Int, add: Bool
    ) {
        let lanes = min(4, n - j)
        let zero = SIMD4<Double>(repeating: 0)
        if rows.count == 8 {
            let i = rows.lowerBound
            let r0 = a.row(i), r1 = a.row(i + 1), r2 = a.row(i + 2), r3 = a.row(i + 3)
            let r4 = a.row(i + 4), r5 = a.row(i + 5), r6 = a.row(i + 6), r7 = a.row(i + 7)
            var s0 = zero, s1 = zero, s2 = zero, s3 = zero, s4 = zero, s5 = zero, s6 = zero, s7 = zero
            for l in block {
                let bv = vector(b + l * bRow + j), o = l * a.step
                s0 = s0.addingProduct(r0[o], bv); s1 = s1.addingProduct(r1[o], bv)
                s2 = s2.addingProduct(r2[o], bv); s3 = s3.addingProduct(r3[o], bv)
                s4 = s4.addingProduct(r4[o], bv); s5 = s5.addingProduct(r5[o], bv)
                s6 = s6.addingProduct(r6[o], bv); s7 = s7.addingProduct(r7[o], bv)
            }
            @inline(__always) func finish(_ sum: SIMD4<Double>, _ r: Int) {
                let cr = c + (i + r) * ldc + j
                store((add ? load(cr, lanes) : zero) + sum, cr, lanes)
            }
            finish(s0, 0); finish(s1, 1); finish(s2, 2); finish(s3, 3)
            finish(s4, 4); finish(s5, 5); finish(s6, 6); finish(s7, 7)
        } else {
            for i in rows {
                let r = a.row(i), cr = c + i * ldc + j
                var s = zero
                for l in block { s = s.addingProduct(r[l * a.step], vector(b + l * bRow + j)) }
                store((add ? load(cr, lanes) : zero) + s, cr, lanes)
            }
        }
    }

    /// Row i × columns column..column+15 (all whole vectors), over one k block.
    @inline(__always)
    static func rowByFourVectors(
        i: Int, column j: Int, block: Range<Int>, a: Operand, b: UnsafePointer<Double>, bRow: Int,
        c: UnsafeMutablePointer<Double>, ldc: Int, add: Bool
    ) {
        let zero = SIMD4<Double>(repeating: 0)
        let r = a.row(i), cr = c + i * ldc + j
        var s0 = zero, s1 = zero, s2 = zero, s3 = zero
        for l in block {
            let x = r[l * a.step], bl = b + l * bRow + j
            s0 = s0.addingProduct(x, vector(bl)); s1 = s1.addingProduct(x, vector(bl + 4))
            s2 = s2.addingProduct(x, vector(bl + 8)); s3 = s3.addingProduct(x, vector(bl + 12))
        }
        if add {
            store(load(cr, 4) + s0, cr, 4); store(load(cr + 4, 4) + s1, cr + 4, 4)
            store(load(cr + 8, 4) + s2, cr + 8, 4); store(load(cr + 12, 4) + s3, cr + 12, 4)
        } else {
            store(zero + s0, cr, 4); store(zero + s1, cr + 4, 4); store(zero + s2, cr + 8, 4); store(zero + s3, cr + 12, 4)
        }
    }

    /// The odd last row × columns column..column+3 over one k block: four round-robin partial sums.
    @inline(__always)
    static func oddRowByVector(
        i: Int, column j: Int, block: Range<Int>, a: Operand, b: UnsafePointer<Double>, bRow: Int,
        c: UnsafeMutablePointer<Double>, ldc: Int, add: Bool
    ) {
        let zero = SIMD4<Double>(repeating: 0)
        let r = a.row(i), cr = c + i * ldc + j
        let roundRobinEnd = block.upperBound - block.count % 8
        var s0 = zero, s1 = zero, s2 = zero, s3 = zero
        var l = block.lowerBound
        while l < roundRobinEnd {
            s0 = s0.addingProduct(r[l * a.step], vector(b + l * bRow + j))
            s1 = s1.addingProduct(r[(l + 1) * a.step], vector(b + (l + 1) * bRow + j))
            s2 = s2.addingProduct(r[(l + 2) * a.step], vector(b + (l + 2) * bRow + j))
            s3 = s3.addingProduct(r[(l + 3) * a.step], vector(b + (l + 3) * bRow + j))
            l += 4
        }
        while l < block.upperBound {
            s0 = s0.addingProduct(r[l * a.step], vector(b + l * bRow + j))
            l += 1
        }
        store((add ? load(cr, 4) : zero) + ((s0 + s1) + (s2 + s3)), cr, 4)
    }

    // MARK: sums of outer products

    /// C(s, x) for s < S ≤ 4 short entries and x < L (a multiple of 4) long ones, as k-ordered sums of
    /// w(l, s) · u_l[x]: u_l = long + l·longStride (contiguous), w(l, s) = weights[s·weightStride + l·weightStep];
    /// C(s, x) = c[s·cShort + x·cLong]. The loop runs over l outermost, reading each u_l once and in
    /// order (a strided pass per output column defeats the prefetcher), with the block's chains in an
    /// L1-sized buffer; `oddEntry` (or −1) keeps four round-robin partial sums (the odd-row kernel).
    static func outerProducts(
        k: Int, length L: Int, short S: Int, oddEntry: Int, long u: UnsafePointer<Double>, longStride: Int,
        weights w: UnsafePointer<Double>, weightStride: Int, weightStep: Int,
        c: UnsafeMutablePointer<Double>, cShort: Int, cLong: Int, accumulate: Bool
    ) {
        guard L > 0 else { return }
        let chains = S + (oddEntry >= 0 ? 3 : 0)
        withUnsafeTemporaryAllocation(of: Double.self, capacity: chains * L) { buffer in
            let acc = buffer.baseAddress!
            forEachBlock(k) { block, first in
                let end = block.upperBound
                let grouped = end - block.count % 8  // the odd entry's round robin covers [block start, grouped)
                acc.update(repeating: 0, count: chains * L)
                var l = block.lowerBound
                while l < grouped {
                    let u0 = u + l * longStride, u1 = u0 + longStride, u2 = u1 + longStride, u3 = u2 + longStride
                    for s in 0..<S {
                        let ws = w + s * weightStride + l * weightStep
                        let w0 = ws[0], w1 = ws[weightStep], w2 = ws[2 * weightStep], w3 = ws[3 * weightStep]
                        if s == oddEntry {
                            let p0 = acc + s * L, p1 = acc + S * L, p2 = p1 + L, p3 = p2 + L
                            var x = 0
                            while x < L {
                                store(load(p0 + x, 4).addingProduct(w0, vector(u0 + x)), p0 + x, 4)
                                store(load(p1 + x, 4).addingProduct(w1, vector(u1 + x)), p1 + x, 4)
                                store(load(p2 + x, 4).addingProduct(w2, vector(u2 + x)), p2 + x, 4)
                                store(load(p3 + x, 4).addingProduct(w3, vector(u3 + x)), p3 + x, 4)
                                x += 4
                            }
                        } else {
                            let p = acc + s * L
                            var x = 0
                            while x < L {
                                var v = load(p + x, 4)
                                v = v.addingProduct(w0, vector(u0 + x)); v = v.addingProduct(w1, vector(u1 + x))
                                v = v.addingProduct(w2, vector(u2 + x)); v = v.addingProduct(w3, vector(u3 + x))
                                store(v, p + x, 4)
                                x += 4
                            }
                        }
                    }
                    l += 4
                }
                while l < end {
                    let ul = u + l * longStride
                    for s in 0..<S {
                        let ws = w[s * weightStride + l * weightStep], p = acc + s * L  // the odd entry's tail joins partial 0
                        var x = 0
                        while x < L {
                            store(load(p + x, 4).addingProduct(ws, vector(ul + x)), p + x, 4)
                            x += 4
                        }
                    }
                    l += 1
                }
                let add = accumulate || !first
                for s in 0..<S {
                    for x in 0..<L {
                        var value = acc[s * L + x]
                        if s == oddEntry { value = (value + acc[S * L + x]) + (acc[(S + 1) * L + x] + acc[(S + 2) * L + x]) }
                        let target = c + s * cShort + x * cLong
                        target.pointee = (add ? target.pointee : 0) + value
                    }
                }
            }
        }
    }
}
