/// Four consecutive doubles as one SIMD4 value and back, unaligned. The element-wise kernels of the
/// leaky RNN write their lanes explicitly because their buffers are raw pointers the optimiser must
/// assume may alias (so it would not vectorise them); each lane does exactly the scalar arithmetic, in
/// the same order, so the results are bit-identical to the scalar loops.
@inline(__always)
package func load4(_ p: UnsafePointer<Double>, _ i: Int) -> SIMD4<Double> {
    UnsafeRawPointer(p + i).loadUnaligned(as: SIMD4<Double>.self)
}

@inline(__always)
package func load4(_ p: UnsafeMutablePointer<Double>, _ i: Int) -> SIMD4<Double> {
    UnsafeRawPointer(p + i).loadUnaligned(as: SIMD4<Double>.self)
}

@inline(__always)
package func store4(_ v: SIMD4<Double>, _ p: UnsafeMutablePointer<Double>, _ i: Int) {
    UnsafeMutableRawPointer(p + i).storeBytes(of: v, as: SIMD4<Double>.self)
}

/// sum += each of `rows` rows of N values (row-major): a bias gradient Σ_r d_r. Four columns at a time;
/// every column still adds its rows in order, so the sum is bit-identical to the scalar loop.
@inline(__always)
package func addRows(_ x: UnsafePointer<Double>, rows: Int, columns n: Int, into sum: UnsafeMutablePointer<Double>) {
    for r in 0..<rows {
        let row = x + r * n
        var j = 0
        while j + 4 <= n {
            store4(load4(sum, j) + load4(row, j), sum, j)
            j += 4
        }
        while j < n {
            sum[j] += row[j]
            j += 1
        }
    }
}
