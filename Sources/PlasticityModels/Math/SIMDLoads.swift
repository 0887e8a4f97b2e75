/// Four consecutive doubles as one SIMD4 value and back, unaligned. The element-wise kernels of the
/// leaky RNN write their lanes explicitly because their buffers are raw pointers the optimiser must
/// assume may alias (so it would not vectorise them); each lane does exactly the scalar arithmetic, in
/// the same order, so the results are bit-identical to the scalar loops.
@inline(__always)
func load4(_ p: UnsafePointer<Double>, _ i: Int) -> SIMD4<Double> {
    UnsafeRawPointer(p + i).loadUnaligned(as: SIMD4<Double>.self)
}

@inline(__always)
func load4(_ p: UnsafeMutablePointer<Double>, _ i: Int) -> SIMD4<Double> {
    UnsafeRawPointer(p + i).loadUnaligned(as: SIMD4<Double>.self)
}

@inline(__always)
func store4(_ v: SIMD4<Double>, _ p: UnsafeMutablePointer<Double>, _ i: Int) {
    UnsafeMutableRawPointer(p + i).storeBytes(of: v, as: SIMD4<Double>.self)
}
