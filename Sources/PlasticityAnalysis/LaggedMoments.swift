import Dense

/// Running sums from which the autocorrelation of many signals (one per trial and neuron) is computed
/// at lags 0...maxLag, fed one segment of samples at a time so a long stream never sits in memory.
///
/// For one signal with samples x_1...x_n (pairs taken only within a segment) the estimate is the
/// ICLR 2024 code's (`comp_ac_fft`): mean-subtracted with the signal's overall mean m, unbiased by
/// the number of pairs,
///   AC(k) = (1/n_k) Σ (x_t - m)(x_{t+k} - m) = (P_k - m (A_k + B_k) + n_k m²) / n_k,
/// where P_k = Σ x_t x_{t+k}, A_k = Σ x_t and B_k = Σ x_{t+k} over the n_k pairs. With one segment
/// this is their estimator exactly; with several, pairs across a segment boundary are not counted.
public struct LaggedMoments: Sendable {
    public let signals: Int
    public let maxLag: Int
    /// Samples seen per signal.
    public private(set) var count = 0
    private(set) var sums: [Double]
    /// [k * signals + s]: P_k, A_k, B_k of signal s.
    private(set) var products: [Double]
    private(set) var leading: [Double]
    private(set) var trailing: [Double]
    private(set) var pairs: [Int]

    public init(signals: Int, maxLag: Int) {
        precondition(signals > 0 && maxLag >= 0)
        self.signals = signals
        self.maxLag = maxLag
        sums = [Double](repeating: 0, count: signals)
        products = [Double](repeating: 0, count: (maxLag + 1) * signals)
        leading = products
        trailing = products
        pairs = [Int](repeating: 0, count: maxLag + 1)
    }

    /// Adds one segment: `length` consecutive samples of every signal, sample t of signal s at
    /// `samples[t * signals + s]`.
    public mutating func add(segment samples: UnsafePointer<Double>, length: Int) {
        let m = signals
        count += length
        // The segment's first and last sums: A_k drops the last k samples, B_k the first k.
        var head = [Double](repeating: 0, count: m)
        for t in 0..<length {
            let x = samples + t * m
            for s in 0..<m { head[s] += x[s] }
        }
        var tail = head
        for s in 0..<m { sums[s] += head[s] }
        products.withUnsafeMutableBufferPointer { P in
            leading.withUnsafeMutableBufferPointer { A in
                trailing.withUnsafeMutableBufferPointer { B in
                    for k in 0...maxLag where k < length {
                        if k > 0 {
                            let dropLast = samples + (length - k) * m, dropFirst = samples + (k - 1) * m
                            for s in 0..<m {
                                head[s] -= dropLast[s]
                                tail[s] -= dropFirst[s]
                            }
                        }
                        pairs[k] += length - k
                        let p = P.baseAddress! + k * m, a = A.baseAddress! + k * m, b = B.baseAddress! + k * m
                        for s in 0..<m {
                            a[s] += head[s]
                            b[s] += tail[s]
                        }
                        for t in 0..<(length - k) {
                            let x = samples + t * m, y = samples + (t + k) * m
                            for s in 0..<m { p[s] += x[s] * y[s] }
                        }
                    }
                }
            }
        }
    }

    /// AC(k) of signal s for k = 0...maxLag (NaN where no pair was seen).
    public func autocorrelation(signal s: Int) -> [Double] {
        precondition(s >= 0 && s < signals)
        let mean = count > 0 ? sums[s] / Double(count) : .nan
        return (0...maxLag).map { k in
            let i = k * signals + s, n = Double(pairs[k])
            guard pairs[k] > 0 else { return .nan }
            return (products[i] - mean * (leading[i] + trailing[i]) + n * mean * mean) / n
        }
    }
}
