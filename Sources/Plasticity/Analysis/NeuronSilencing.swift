/// Silences neurons of any model through its `ParameterLayout` group names, so ablation works the
/// same for every architecture. Silencing neuron j removes every synapse into and out of it and
/// every constant drive, so its state never moves from rest and nothing reads it:
///
/// - leaky RNN (W, U, b, V, c, tau): row and column j of W, row j of U, b_j, column j of V.
///   (SCIENCE.md; tau and the output bias c are left alone: they are not the neuron's connections.)
/// - PLRNN (A, W, C, h0, V, c): A_j (the self-coupling, so z_j cannot linger), row and column j of
///   W, row j of C, h0_j, column j of V. With z_0 = 0 this keeps z_j = 0 for the whole trial.
///
/// Multi-head readouts named V* (V, V2, ...) all lose column j (the ICLR 2024 code forgot the
/// other heads; a bug not to copy).
public enum NeuronSilencing {
    /// Which indices of a group belong to neuron j.
    enum Axes { case rowsAndColumns, rows, columns, entries }

    static func axes(of group: ParameterGroup, hidden n: Int) -> Axes? {
        switch group.name {
        case "W": return .rowsAndColumns
        case "U", "C": return .rows
        case "b", "h0": return .entries
        case "A": return group.isVector ? .entries : .rowsAndColumns
        default: return group.name.hasPrefix("V") && group.cols == n ? .columns : nil
        }
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
