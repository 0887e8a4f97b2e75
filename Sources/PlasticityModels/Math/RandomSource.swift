import Foundation
@preconcurrency internal import CGSL

/// One GSL random generator (mt19937). Each run owns its own sources, one per named stream
/// (data, init, noise, ...), so that e.g. every rule sees the same training batches for a seed
/// and draws of noise never shift the data. Never share one between threads.
public final class RandomSource {
    public let seed: UInt64
    public let stream: String
    private let rng: UnsafeMutablePointer<gsl_rng>

    /// A generator for `stream`, derived from `seed`. Distinct streams get unrelated states.
    public init(seed: UInt64, stream: String) {
        _ = GSLError.handlerOff
        self.seed = seed
        self.stream = stream
        guard let r = gsl_rng_alloc(gsl_rng_mt19937) else { fatalError("gsl_rng_alloc failed (out of memory)") }
        rng = r
        gsl_rng_set(rng, UInt(RandomSource.derive(seed: seed, stream: stream)))
    }

    deinit { gsl_rng_free(rng) }

    /// mt19937 seeds from 32 bits; mix seed and stream name so nearby seeds are unrelated.
    static func derive(seed: UInt64, stream: String) -> UInt32 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325  // FNV-1a
        for byte in stream.utf8 { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3 }
        var z = seed &+ hash &+ 0x9e37_79b9_7f4a_7c15  // SplitMix64 finaliser
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        z ^= z >> 31
        let folded = UInt32(truncatingIfNeeded: z ^ (z >> 32))
        return folded == 0 ? 4357 : folded  // gsl treats 0 as "default seed"
    }

    /// The generator's whole state (GSL's mt19937 state block): a training checkpoint saves it, so a
    /// resumed run draws exactly what the uninterrupted one would have.
    public var state: Data {
        Data(bytes: gsl_rng_state(rng), count: gsl_rng_size(rng))
    }

    /// Restores a `state` taken from a source of the same kind; false (nothing changed) when its size differs.
    public func restore(_ state: Data) -> Bool {
        guard state.count == gsl_rng_size(rng) else { return false }
        state.withUnsafeBytes { UnsafeMutableRawPointer(gsl_rng_state(rng)!).copyMemory(from: $0.baseAddress!, byteCount: state.count) }
        return true
    }

    /// A child source: e.g. per analysis, so adding an analysis never changes another one's draws.
    public func child(_ name: String) -> RandomSource { RandomSource(seed: seed, stream: stream + "/" + name) }

    /// Uniform on [0, 1).
    @inlinable public func uniform() -> Double { _uniform() }
    @usableFromInline func _uniform() -> Double { gsl_rng_uniform(rng) }

    /// Uniform on [low, high).
    public func uniform(_ low: Double, _ high: Double) -> Double { low + (high - low) * gsl_rng_uniform(rng) }

    /// Uniform integer in 0..<n.
    public func integer(below n: Int) -> Int {
        precondition(n > 0)
        return Int(gsl_rng_uniform_int(rng, UInt(n)))
    }

    /// Normal(0, sigma²), ziggurat method.
    public func gaussian(sigma: Double = 1) -> Double {
        var value = 0.0
        withUnsafeMutablePointer(to: &value) { fillGaussian(UnsafeMutableBufferPointer(start: $0, count: 1), sigma: sigma) }
        return value
    }

    public func bernoulli(_ p: Double) -> Bool { gsl_ran_bernoulli(rng, p) == 1 }

    /// Fills `buffer` with Normal(0, sigma²) draws: GSL's ziggurat, bit for bit, mostly without calling it.
    public func fillGaussian(_ buffer: UnsafeMutableBufferPointer<Double>, sigma: Double = 1) {
        if let tables = FastGaussian.tables {
            FastGaussian.fill(buffer, sigma: sigma, rng: rng, tables: tables)
        } else {
            libraryFillGaussian(buffer, sigma: sigma)
        }
    }

    /// The fast path with given tables (tests show that the comparison sees a changed table).
    func fillGaussian(_ buffer: UnsafeMutableBufferPointer<Double>, sigma: Double, tables: ZigguratTables) {
        FastGaussian.fill(buffer, sigma: sigma, rng: rng, tables: tables)
    }

    /// The same draws, one GSL call per value (the reference the fast path is tested against).
    func libraryFillGaussian(_ buffer: UnsafeMutableBufferPointer<Double>, sigma: Double) {
        for i in buffer.indices { buffer[i] = gsl_ran_gaussian_ziggurat(rng, sigma) }
    }

    /// Whether Gaussian draws take the fast path (it agreed with this machine's GSL).
    public static var fastGaussianEnabled: Bool { FastGaussian.tables != nil }

    public func fillGaussian(_ array: inout [Double], sigma: Double = 1) {
        array.withUnsafeMutableBufferPointer { fillGaussian($0, sigma: sigma) }
    }

    /// A uniformly random permutation of 0..<n (GSL's Fisher–Yates shuffle).
    public func permutation(_ n: Int) -> [Int] {
        var indices = Array(0..<n)
        indices.withUnsafeMutableBytes { raw in
            gsl_ran_shuffle(rng, raw.baseAddress, n, MemoryLayout<Int>.stride)
        }
        return indices
    }

    /// `k` indices drawn with replacement from 0..<n (bootstrap resampling).
    public func resample(_ n: Int, count k: Int) -> [Int] {
        (0..<k).map { _ in Int(gsl_rng_uniform_int(rng, UInt(n))) }
    }
}
