/// Silences neurons of any model through its `ParameterLayout` group names, so ablation works the
/// same for every architecture. Silencing neuron j removes every synapse into and out of it and
/// every constant drive, so its state never moves from rest and nothing reads it:
///
/// - leaky RNN (W, U, b, V, c, tau): row and column j of W, row j of U, b_j, column j of V.
///   (docs/science.md; tau and the output bias c are left alone: they are not the neuron's connections.)
/// - PLRNN (A, W, C, h0, V, c): A_j (the self-coupling, so z_j cannot linger), row and column j of
///   W, row j of C, h0_j, column j of V. With z_0 = 0 this keeps z_j = 0 for the whole trial.
/// - GRU (Wr, Wz, Wn, Ur, Uz, Un, br, bz, bn, bhn, V, c) and LSTM (Wi, Wf, Wg, Wo, Ui, …, bi, …, V, c):
///   column j of every recurrent matrix (nothing reads h_j), row j of every recurrent and input
///   matrix and entry j of every bias (neuron j's row in every gate), column j of V. Its gates then
///   sit at σ(0) = 1/2 and its candidate at tanh(0) = 0, so from h_0 = c_0 = 0 its h_j (and c_j)
///   stay 0: GRU h ← h/2 + n/2 with n = 0, LSTM c ← c/2 + g/2 with g = 0 and h = o tanh(c) = 0.
///
/// The rule by group name: W* (N×N) rows and columns, U* and C rows, b* and h0 (N-vectors) and a
/// vector A entries, V* (…×N) columns.
/// Multi-head readouts named V* (V, V2, ...) all lose column j (the ICLR 2024 code forgot the
/// other heads; a bug not to copy).
public enum NeuronSilencing {
    /// Which indices of a group belong to neuron j.
    enum Axes { case rowsAndColumns, rows, columns, entries }

    static func axes(of group: ParameterGroup, hidden n: Int) -> Axes? {
        let name = group.name
        if name == "A" { return group.isVector ? .entries : .rowsAndColumns }
        if isRecurrentMatrix(group, hidden: n) { return .rowsAndColumns }
        if (name.hasPrefix("U") || name == "C") && group.rows == n { return .rows }
        if (name.hasPrefix("b") || name == "h0") && group.isVector && group.cols == n { return .entries }
        if name.hasPrefix("V") && group.cols == n { return .columns }
        return nil
    }

    /// The recurrent weight matrices (W*, N×N): W for the leaky RNN and the PLRNN, one per gate for
    /// the GRU and the LSTM. Weight perturbation and the weight ablation order read them.
    public static func isRecurrentMatrix(_ group: ParameterGroup, hidden n: Int) -> Bool {
        group.name.hasPrefix("W") && !group.isVector && group.rows == n && group.cols == n
    }

    /// Group names this silencing touches in `layout` (for docs and tests).
    public static func touchedGroups(_ layout: ParameterLayout, hidden: Int) -> [String] {
        layout.groups.filter { axes(of: $0, hidden: hidden) != nil }.map(\.name)
    }

    /// Zeroes every parameter of `neurons` in place.
    public static func silence(_ neurons: [Int], in model: inout any RecurrentModel) {
        let n = model.hiddenSize
        var p = model.parameters
        for group in model.layout.groups {
            guard let axes = axes(of: group, hidden: n) else { continue }
            for j in neurons {
                precondition(j >= 0 && j < n, "neuron \(j) out of 0..<\(n)")
                switch axes {
                case .entries:
                    p[group.offset + j] = 0
                case .rows:
                    for c in 0..<group.cols { p[group.offset + j * group.cols + c] = 0 }
                case .columns:
                    for r in 0..<group.rows { p[group.offset + r * group.cols + j] = 0 }
                case .rowsAndColumns:
                    for c in 0..<group.cols { p[group.offset + j * group.cols + c] = 0 }
                    for r in 0..<group.rows { p[group.offset + r * group.cols + j] = 0 }
                }
            }
        }
        model.parameters = p
    }
}

extension NeuronSilencing {
    /// The leaky RNN with `silenced` removed instead of zeroed: the network of the other neurons, with
    /// their W, U, b, tau and columns of V. From h_0 = 0 a silenced neuron's state stays 0 and no
    /// synapse reads it, so every output is the silenced network's: each sum loses only terms that
    /// are exactly zero (a zero weight times a state), which leave a sum unchanged but for the sign of
    /// an exact zero. At the ablation fractions it is about half the work. nil for other models, or
    /// when nothing (or everything) is silenced.
    public static func compacted(_ model: any RecurrentModel, removing silenced: [Int]) -> LeakyRNN? {
        guard let leaky = model as? LeakyRNN else { return nil }
        let n = leaky.hiddenSize
        let removed = Set(silenced)
        let active = (0..<n).filter { !removed.contains($0) }
        guard !active.isEmpty, active.count < n else { return nil }
        var config = leaky.config
        config.hiddenSize = active.count
        var small = LeakyRNN(config: config, parameters: [Double](repeating: 0, count: LeakyRNN.makeLayout(config).count))
        let full = leaky.parameters, layout = leaky.layout, to = small.layout
        let nIn = leaky.inputSize, nOut = leaky.outputSize, a = active.count
        let (w, u, b, v, c, tau) = (layout["W"].offset, layout["U"].offset, layout["b"].offset, layout["V"].offset, layout["c"].offset, layout["tau"].offset)
        let (w2, u2, b2, v2, c2, tau2) = (to["W"].offset, to["U"].offset, to["b"].offset, to["V"].offset, to["c"].offset, to["tau"].offset)
        for (r, i) in active.enumerated() {
            for (q, j) in active.enumerated() { small.parameters[w2 + r * a + q] = full[w + i * n + j] }
            for k in 0..<nIn { small.parameters[u2 + r * nIn + k] = full[u + i * nIn + k] }
            small.parameters[b2 + r] = full[b + i]
            small.parameters[tau2 + r] = full[tau + i]
            for o in 0..<nOut { small.parameters[v2 + o * a + r] = full[v + o * n + i] }
        }
        for o in 0..<nOut { small.parameters[c2 + o] = full[c + o] }
        return small
    }
}
