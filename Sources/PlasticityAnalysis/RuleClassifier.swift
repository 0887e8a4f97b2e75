import Foundation

/// Runs described by their observables, each labelled with the rule that trained it: what the
/// identifiability classifier learns from (Nayebi et al. 2020 did this for feed-forward nets).
/// Missing observables are NaN (imputed with the training fold's mean).
public struct LabelledObservables: Sendable {
    public var classes: [String]
    public var features: [String]
    /// One row per run, one column per feature.
    public var rows: [[Double]]
    /// Index into `classes` per row.
    public var labels: [Int]

    public init(classes: [String], features: [String], rows: [[Double]], labels: [Int]) {
        precondition(rows.count == labels.count && rows.allSatisfy { $0.count == features.count })
        self.classes = classes
        self.features = features
        self.rows = rows
        self.labels = labels
    }

    /// The same runs with only the named columns (in `columns` order).
    public func selecting(_ columns: [Int]) -> LabelledObservables {
        LabelledObservables(classes: classes, features: columns.map { features[$0] }, rows: rows.map { r in columns.map { r[$0] } }, labels: labels)
    }
}

public enum ClassifierKind: String, CaseIterable, Codable, Sendable {
    /// Multinomial logistic regression with an L2 penalty on the weights (not the biases).
    case logistic
    /// The class whose mean (standardised) observable vector is nearest in Euclidean distance.
    case nearestCentroid = "nearest-centroid"
}

/// A classifier fitted on standardised observables (each feature's training mean and standard
/// deviation; a missing value counts as the mean, a constant feature as 0).
public struct RuleClassifier: Sendable {
    public var kind: ClassifierKind
    public var l2: Double
    public var iterations: Int
    var mean: [Double] = []
    var scale: [Double] = []
    /// Logistic: K × (d + 1) weights, bias last; nearest centroid: K × d centroids.
    var weights: [[Double]] = []

    public init(kind: ClassifierKind, l2: Double = 0.01, iterations: Int = 500) {
        self.kind = kind
        self.l2 = l2
        self.iterations = iterations
    }

    func standardised(_ row: [Double]) -> [Double] {
        (0..<row.count).map { j in row[j].isFinite && scale[j] > 0 ? (row[j] - mean[j]) / scale[j] : 0 }
    }

    /// Fits on `rows` labelled 0..<classCount.
    public mutating func fit(rows: [[Double]], labels: [Int], classCount: Int) {
        let d = rows.first?.count ?? 0
        mean = (0..<d).map { j in Statistics.mean(rows.map { $0[j] }.filter(\.isFinite)) }
        scale = (0..<d).map { j in
            let v = rows.map { $0[j] }.filter(\.isFinite)
            guard v.count > 1, mean[j].isFinite else { return 0 }
            return (v.reduce(0) { $0 + ($1 - mean[j]) * ($1 - mean[j]) } / Double(v.count - 1)).squareRoot()
        }
        let x = rows.map(standardised)
        switch kind {
        case .nearestCentroid:
            weights = (0..<classCount).map { k in
                let members = zip(x, labels).filter { $0.1 == k }.map(\.0)
                return (0..<d).map { j in members.isEmpty ? .nan : Statistics.mean(members.map { $0[j] }) }
            }
        case .logistic:
            weights = RuleClassifier.logistic(x: x, labels: labels, classCount: classCount, l2: l2, iterations: iterations)
        }
    }

    /// Full-batch accelerated gradient descent on the mean cross-entropy + l2/2 ‖W‖². The step is
    /// 1/L with L = ½ mean ‖x̃‖² + l2 (x̃ = x with the bias 1), a bound on the Hessian's norm.
    static func logistic(x: [[Double]], labels: [Int], classCount K: Int, l2: Double, iterations: Int) -> [[Double]] {
        let n = x.count, d = (x.first?.count ?? 0) + 1
        guard n > 0 else { return Array(repeating: Array(repeating: 0, count: d), count: K) }
        let rows = x.map { $0 + [1] }
        let lipschitz = 0.5 * rows.reduce(0) { $0 + $1.reduce(0) { $0 + $1 * $1 } } / Double(n) + l2
        let step = 1 / lipschitz
        var w = [Double](repeating: 0, count: K * d), previous = w, look = w
        var gradient = [Double](repeating: 0, count: K * d)
        var p = [Double](repeating: 0, count: K)
        for iteration in 0..<iterations {
            for i in 0..<gradient.count { gradient[i] = 0 }
            for (r, row) in rows.enumerated() {
                var largest = -Double.infinity
                for k in 0..<K {
                    var s = 0.0
                    for j in 0..<d { s += look[k * d + j] * row[j] }
                    p[k] = s
                    largest = max(largest, s)
                }
                var total = 0.0
                for k in 0..<K { p[k] = exp(p[k] - largest); total += p[k] }
                for k in 0..<K {
                    let e = p[k] / total - (labels[r] == k ? 1 : 0)
                    for j in 0..<d { gradient[k * d + j] += e * row[j] / Double(n) }
                }
            }
            for k in 0..<K {
                for j in 0..<(d - 1) { gradient[k * d + j] += l2 * look[k * d + j] }
            }
            previous = w
            for i in 0..<w.count { w[i] = look[i] - step * gradient[i] }
            let momentum = Double(iteration) / Double(iteration + 3)
            for i in 0..<w.count { look[i] = w[i] + momentum * (w[i] - previous[i]) }
        }
        return (0..<K).map { Array(w[$0 * d..<($0 + 1) * d]) }
    }

    /// The predicted class index (ties: the lowest index).
    public func predict(_ row: [Double]) -> Int {
        let z = standardised(row)
        var best = 0, bestScore = -Double.infinity
        for (k, w) in weights.enumerated() {
            let score: Double
            switch kind {
            case .logistic:
                score = zip(w, z + [1]).reduce(0) { $0 + $1.0 * $1.1 }
            case .nearestCentroid:
                score = w.contains { !$0.isFinite } ? -.infinity : -zip(w, z).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }
            }
            if score > bestScore { best = k; bestScore = score }
        }
        return best
    }
}

/// Stratified k-fold cross-validation of a classifier: every run is predicted once, by a model
/// fitted without it. Accuracy over all runs with its 95% Wilson interval, and the confusion matrix.
public struct CrossValidation: Codable, Equatable, Sendable {
    public var kind: ClassifierKind
    public var classes: [String]
    public var folds: Int
    public var runs: Int
    public var accuracy: Double
    public var low: Double
    public var high: Double
    /// 1 / number of classes (the accuracy of guessing).
    public var chance: Double
    /// confusion[true][predicted] counts.
    public var confusion: [[Int]]

    public init(_ data: LabelledObservables, kind: ClassifierKind, folds: Int = 5, l2: Double = 0.01, rng: RandomSource) {
        self.init(data, kind: kind, assignment: CrossValidation.stratifiedFolds(labels: data.labels, folds: folds, rng: rng), l2: l2)
    }

    /// With a given fold per run (so several feature sets are compared on the same split).
    public init(_ data: LabelledObservables, kind: ClassifierKind, assignment: [Int], l2: Double = 0.01) {
        let K = data.classes.count
        self.kind = kind
        classes = data.classes
        folds = (assignment.max() ?? -1) + 1
        runs = data.rows.count
        chance = K > 0 ? 1 / Double(K) : .nan
        confusion = Array(repeating: Array(repeating: 0, count: K), count: K)
        for fold in 0..<folds {
            let train = assignment.indices.filter { assignment[$0] != fold }
            let test = assignment.indices.filter { assignment[$0] == fold }
            guard !train.isEmpty, !test.isEmpty else { continue }
            var model = RuleClassifier(kind: kind, l2: l2)
            model.fit(rows: train.map { data.rows[$0] }, labels: train.map { data.labels[$0] }, classCount: K)
            for i in test { confusion[data.labels[i]][model.predict(data.rows[i])] += 1 }
        }
        let matrix = confusion
        let correct = (0..<K).reduce(0) { $0 + matrix[$1][$1] }
        accuracy = runs > 0 ? Double(correct) / Double(runs) : .nan
        (low, high) = CrossValidation.wilson(correct: correct, total: runs)
    }

    /// Fold of each run: within each class the runs are shuffled (seeded) and dealt round-robin.
    public static func stratifiedFolds(labels: [Int], folds: Int, rng: RandomSource) -> [Int] {
        var assignment = [Int](repeating: 0, count: labels.count)
        var next = 0  // continue dealing across classes so small classes do not all start at fold 0
        for k in Set(labels).sorted() {
            let members = labels.indices.filter { labels[$0] == k }
            for position in rng.permutation(members.count) {
                assignment[members[position]] = next % folds
                next += 1
            }
        }
        return assignment
    }

    /// The 95% Wilson score interval of a proportion.
    public static func wilson(correct: Int, total: Int, z: Double = 1.959964) -> (Double, Double) {
        guard total > 0 else { return (.nan, .nan) }
        let n = Double(total), p = Double(correct) / n
        let centre = (p + z * z / (2 * n)) / (1 + z * z / n)
        let half = z * (p * (1 - p) / n + z * z / (4 * n * n)).squareRoot() / (1 + z * z / n)
        return (max(0, centre - half), min(1, centre + half))
    }
}

/// Which experiments tell the rules apart: each group of observables (one experiment, e.g.
/// "silencing") scored alone, and a greedy forward selection that adds, at every step, the
/// experiment that raises the cross-validated accuracy most. All on the same folds.
public struct ExperimentRanking: Codable, Equatable, Sendable {
    public struct Step: Codable, Equatable, Sendable {
        public var group: String
        /// Accuracy of this experiment alone.
        public var alone: Double
        /// Accuracy of the experiments chosen so far, this one included, and its gain over the previous step.
        public var cumulative: Double
        public var added: Double
    }
    public var kind: ClassifierKind
    public var steps: [Step]

    /// `groups`: experiment name → feature indices of `data`; groups without features are skipped.
    public init(_ data: LabelledObservables, groups: [(name: String, features: [Int])], kind: ClassifierKind = .logistic,
                folds: Int = 5, l2: Double = 0.01, rng: RandomSource) {
        self.kind = kind
        let assignment = CrossValidation.stratifiedFolds(labels: data.labels, folds: folds, rng: rng)
        func accuracy(_ columns: [Int]) -> Double {
            CrossValidation(data.selecting(columns), kind: kind, assignment: assignment, l2: l2).accuracy
        }
        let usable = groups.filter { !$0.features.isEmpty }
        let alone = Dictionary(uniqueKeysWithValues: usable.map { ($0.name, accuracy($0.features)) })
        var remaining = usable, chosen: [Int] = [], previous = data.classes.isEmpty ? 0 : 1 / Double(data.classes.count)
        steps = []
        while !remaining.isEmpty {
            var best = 0, bestAccuracy = -1.0
            for (i, g) in remaining.enumerated() {
                let a = accuracy(chosen + g.features)
                if a > bestAccuracy + 1e-12 { best = i; bestAccuracy = a }
            }
            let g = remaining.remove(at: best)
            chosen += g.features
            steps.append(Step(group: g.name, alone: alone[g.name] ?? .nan, cumulative: bestAccuracy, added: bestAccuracy - previous))
            previous = bestAccuracy
        }
    }
}
