/// How a plateau, its escape and the abruptness of the escape are read off a learning curve
/// against the trivial baseline B of the same validation data (`TrivialBaseline`). Exact
/// definitions, with the reasons for the constants, in docs/protocols.md ("Learning-speed metrics").
///
/// All conditions are taken on the running median of three evaluations, M_i = median(L_{i-1}, L_i,
/// L_{i+1}) (M_0 = L_0 and M_n = L_n), so a single noisy evaluation neither starts nor ends a plateau
/// (a step between two levels stays where it is).
/// - entry: the first t_i with M_i <= (1 + band)·B;
/// - escape: the first t_i after which M stays below escape·B to the end of the curve;
/// - plateau = t_escape − t_entry; 0 when the curve never enters the band; when it enters and never
///   escapes, end − t_entry, *censored* (end = the budget, or the last evaluation of a run that
///   stopped early or diverged);
/// - abruptness (runs that entered and escaped): the largest drop min(M_i, B) − M_j over windows
///   t_j − t_i <= `window`·budget (at least one evaluation interval) starting at the evaluation
///   before the entry or later, divided by B − min_{k >= escape} M_k, clipped to [0, 1]: the share of
///   the baseline-to-final-minimum distance covered in the steepest window.
public struct PlateauDefinition: Equatable, Sendable {
    /// On the plateau: at most (1 + band) × the baseline.
    public var band = 0.1
    /// Escaped: below escape × the baseline (half of what the trivial output leaves unexplained).
    public var escape = 0.5
    /// Abruptness window, as a fraction of the budget.
    public var window = 0.05

    public init() {}

    public static let standard = PlateauDefinition()

    public struct Analysis: Equatable, Sendable {
        public var entry: Int?
        public var escape: Int?
        public var length: Int
        public var censored: Bool
        public var abruptness: Double
    }

    /// The running median of three; the end points are kept.
    public static func smoothed(_ x: [Double]) -> [Double] {
        guard x.count > 2 else { return x }
        var m = x
        for i in 1..<(x.count - 1) { m[i] = [x[i - 1], x[i], x[i + 1]].sorted()[1] }
        return m
    }

    /// `trials` and `losses`: the curve's finite prefix; `end`: where a censored plateau ends.
    public func analyse(trials: [Int], losses: [Double], baseline: Double, end: Int, budget: Int) -> Analysis {
        var result = Analysis(entry: nil, escape: nil, length: 0, censored: false, abruptness: .nan)
        guard !losses.isEmpty, baseline.isFinite, baseline > 0 else { return result }
        let m = PlateauDefinition.smoothed(losses)
        guard let entry = m.firstIndex(where: { $0 <= (1 + band) * baseline }) else { return result }
        result.entry = trials[entry]
        let escapeIndex: Int? = {
            guard let last = m.lastIndex(where: { $0 >= escape * baseline }) else { return 0 }
            return last + 1 < m.count ? last + 1 : nil
        }()
        guard let escapeIndex else {
            result.length = max(0, end - trials[entry])
            result.censored = true
            return result
        }
        result.escape = trials[escapeIndex]
        result.length = trials[escapeIndex] - trials[entry]
        let lowest = m[escapeIndex...].min()!
        let distance = baseline - lowest
        guard distance > 0 else { return result }
        let width = Double(budget) * window
        var steepest = 0.0
        for i in max(entry - 1, 0)..<(m.count - 1) {
            var j = i + 1
            while j + 1 < m.count && Double(trials[j + 1] - trials[i]) <= width { j += 1 }
            steepest = max(steepest, min(m[i], baseline) - m[i + 1...j].min()!)
        }
        result.abruptness = min(max(steepest / distance, 0), 1)
        return result
    }
}
