@preconcurrency internal import CGSL

/// Gaussian draws without a library call per value, giving GSL's `gsl_ran_gaussian_ziggurat` on mt19937
/// bit for bit. The call (and mt19937's own call through a function pointer) cost about 11 ns a value,
/// a quarter of a node-perturbation step at N = 32.
///
/// The twister runs in place on GSL's own state block (`unsigned long mt[624]; int mti`), so the
/// draws interleave with every other GSL call on the source and checkpoints keep the same bytes. The
/// ziggurat's quick acceptance (97% of draws) needs only two of GSL's tables, which are read off
/// the library itself by driving it with a scripted generator (`ZigguratTables.readFromGSL`). A draw
/// that needs more (the wedges and the tail) puts its word back and lets GSL draw the value.
/// Before first use the whole path is checked against GSL (`FastGaussian.verified`); a library whose
/// layout or algorithm differs keeps GSL's own loop.
enum FastGaussian {
    static let words = 624
    static let shift = 397
    /// Byte offset of `mti` after `unsigned long mt[624]`.
    static let indexOffset = 624 * MemoryLayout<UInt>.stride

    /// The tables, when the fast path agrees with GSL on this machine; nil keeps GSL's loop.
    static let tables: ZigguratTables? = verified()

    /// Fills `buffer` with N(0, sigma²) draws from the mt19937 generator `rng`, as GSL would.
    static func fill(_ buffer: UnsafeMutableBufferPointer<Double>, sigma: Double, rng: UnsafeMutablePointer<gsl_rng>,
                     tables: ZigguratTables) {
        guard let base = buffer.baseAddress, !buffer.isEmpty else { return }
        let state = TwisterState(rng)
        var next = Int(state.index.pointee)
        tables.limits.withUnsafeBufferPointer { limitsBuffer in
            tables.widths.withUnsafeBufferPointer { widthsBuffer in
                let limits = limitsBuffer.baseAddress!, widths = widthsBuffer.baseAddress!
                let sigmaBits = sigma.bitPattern
                for index in 0..<buffer.count {
                    let word = state.word(&next)
                    let strip = Int(word & 0x7f), position = (word >> 8) & 0xFF_FFFF
                    if position < limits[strip] {
                        // GSL returns sign * sigma * x: (±1 · sigma) · x, the same bits as (±sigma) · x. The
                        // sign bit comes from bit 7 without a branch (it is a coin flip, so a branch mispredicts).
                        let x = Double(position) * widths[strip]
                        let flip = UInt64(~word >> 7 & 1) << 63
                        base[index] = Double(bitPattern: sigmaBits ^ flip) * x
                    } else {
                        state.index.pointee = Int32(next - 1)  // the word goes back; GSL draws it again
                        base[index] = gsl_ran_gaussian_ziggurat(rng, sigma)
                        next = Int(state.index.pointee)
                    }
                }
            }
        }
        state.index.pointee = Int32(next)
    }

    /// mt19937's tempering of one state word.
    @inline(__always) static func temper(_ value: UInt) -> UInt {
        var k = value
        k ^= k >> 11
        k ^= (k << 7) & 0x9d2c_5680
        k ^= (k << 15) & 0xefc6_0000
        k ^= k >> 18
        return k
    }

    /// mt19937's next block of 624 words, in place (Matsumoto & Nishimura 1998).
    static func regenerate(_ mt: UnsafeMutablePointer<UInt>) {
        @inline(__always) func twist(_ upper: UInt, _ lower: UInt, _ far: UInt) -> UInt {
            let y = (upper & 0x8000_0000) | (lower & 0x7fff_ffff)
            return far ^ (y >> 1) ^ (y & 1 == 0 ? 0 : 0x9908_b0df)
        }
        for k in 0..<(words - shift) { mt[k] = twist(mt[k], mt[k + 1], mt[k + shift]) }
        for k in (words - shift)..<(words - 1) { mt[k] = twist(mt[k], mt[k + 1], mt[k + shift - words]) }
        mt[words - 1] = twist(mt[words - 1], mt[0], mt[shift - 1])
    }

    /// The fast path's draws against GSL's on twin generators: the raw words, then Gaussian fills of
    /// several lengths and sigmas (so that fills start mid-block), and the final states.
    static func verified() -> ZigguratTables? {
        _ = GSLError.handlerOff
        guard let reference = gsl_rng_alloc(gsl_rng_mt19937), let fast = gsl_rng_alloc(gsl_rng_mt19937) else { return nil }
        defer { gsl_rng_free(reference); gsl_rng_free(fast) }
        let size = gsl_rng_size(reference)
        guard size >= indexOffset + MemoryLayout<Int32>.size, let tables = ZigguratTables.readFromGSL() else { return nil }
        gsl_rng_set(reference, 20_061_124)
        gsl_rng_set(fast, 20_061_124)
        let state = TwisterState(fast)
        var next = Int(state.index.pointee)
        for _ in 0..<(3 * words) {
            if state.word(&next) != gsl_rng_get(reference) { return nil }
        }
        state.index.pointee = Int32(next)
        var expected = [Double](repeating: 0, count: 5_000), drawn = expected
        for (length, sigma) in [(5_000, 1.0), (37, 0.05), (4_096, 2.5), (1, 1.0), (2_500, 0.3)] {
            for i in 0..<length { expected[i] = gsl_ran_gaussian_ziggurat(reference, sigma) }
            drawn.withUnsafeMutableBufferPointer { fill(UnsafeMutableBufferPointer(rebasing: $0[0..<length]), sigma: sigma, rng: fast, tables: tables) }
            for i in 0..<length where expected[i].bitPattern != drawn[i].bitPattern { return nil }
            if gsl_rng_uniform(reference) != gsl_rng_uniform(fast) { return nil }
        }
        let a = UnsafeRawPointer(gsl_rng_state(reference)!), b = UnsafeRawPointer(gsl_rng_state(fast)!)
        for byte in 0..<(indexOffset + MemoryLayout<Int32>.size) where a.load(fromByteOffset: byte, as: UInt8.self) != b.load(fromByteOffset: byte, as: UInt8.self) {
            return nil
        }
        return tables
    }
}

/// GSL's mt19937 state block, in place: `unsigned long mt[624]`, then `int mti` (the next word's index).
struct TwisterState {
    let mt: UnsafeMutablePointer<UInt>
    let index: UnsafeMutablePointer<Int32>

    init(_ rng: UnsafeMutablePointer<gsl_rng>) {
        let raw = UnsafeMutableRawPointer(gsl_rng_state(rng)!)
        mt = raw.assumingMemoryBound(to: UInt.self)
        index = (raw + FastGaussian.indexOffset).assumingMemoryBound(to: Int32.self)
    }

    /// The next tempered word, as `gsl_rng_get` returns it; `next` stands for mti (the caller keeps it
    /// in a local and writes it back to `index`).
    @inline(__always) func word(_ next: inout Int) -> UInt {
        if next >= FastGaussian.words { FastGaussian.regenerate(mt); next = 0 }
        defer { next &+= 1 }
        return FastGaussian.temper(mt[next])
    }
}

/// The two tables of GSL's ziggurat (128 strips) that its quick acceptance uses: a draw's 32-bit word
/// picks strip i (bits 0-6), the sign (bit 7) and a 24-bit position j; j < limits[i] accepts
/// x = j · widths[i] with no further draw.
struct ZigguratTables: Sendable {
    var limits: [UInt]
    var widths: [Double]

    /// Reads the tables off `gsl_ran_gaussian_ziggurat` by feeding it chosen words from a scripted
    /// generator: the limit of strip i is the least j for which GSL asks for a uniform (it left the
    /// quick path), the width is the value it returns for j = 1. Nil if GSL does not behave like the
    /// one-word ziggurat this assumes.
    static func readFromGSL() -> ZigguratTables? {
        var limits = [UInt](repeating: 0, count: 128), widths = [Double](repeating: 0, count: 128)
        for strip in 0..<128 {
            var low: UInt = 0, high: UInt = 1 << 24  // the limit lies in low...high
            while low < high {
                let middle = (low + high) / 2
                guard let draw = ScriptedGenerator.draw(word: middle << 8 | UInt(strip) | 0x80) else { return nil }
                if draw.leftQuickPath { high = middle } else { low = middle + 1 }
            }
            limits[strip] = low
            if low > 1 {
                guard let draw = ScriptedGenerator.draw(word: 1 << 8 | UInt(strip) | 0x80), !draw.leftQuickPath else { return nil }
                widths[strip] = draw.value
            }
        }
        return ZigguratTables(limits: limits, widths: widths)
    }
}

/// A gsl_rng whose first word is chosen, every uniform is 0 (which ends every wedge and tail test with
/// acceptance) and every later word is strip 1 at j = 0 (accepted either way), so each draw ends.
private enum ScriptedGenerator {
    struct Script {
        var first: UInt
        var words = 0
        var uniforms = 0
    }

    static func draw(word: UInt) -> (value: Double, leftQuickPath: Bool)? {
        var script = Script(first: word)
        let value: Double = "scripted".withCString { name in
            var type = gsl_rng_type(
                name: name, max: 0xFFFF_FFFF, min: 0, size: MemoryLayout<Script>.size,
                set: { _, _ in },
                get: { state in
                    let script = state!.assumingMemoryBound(to: Script.self)
                    script.pointee.words += 1
                    return script.pointee.words == 1 ? script.pointee.first : 1
                },
                get_double: { state in
                    state!.assumingMemoryBound(to: Script.self).pointee.uniforms += 1
                    return 0
                })
            return withUnsafeMutablePointer(to: &script) { scriptPointer in
                withUnsafePointer(to: &type) { typePointer in
                    var generator = gsl_rng(type: typePointer, state: UnsafeMutableRawPointer(scriptPointer))
                    return gsl_ran_gaussian_ziggurat(&generator, 1)
                }
            }
        }
        guard script.words >= 1 else { return nil }  // not a ziggurat that draws words
        return (value, script.uniforms > 0 || script.words > 1)
    }
}
