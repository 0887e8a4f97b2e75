/// A dense [steps][batch][width] array of Doubles, row-major, one contiguous buffer.
/// Time slice `t` is a contiguous (batch × width) matrix, so one BLAS call handles a whole step.
public struct Tensor3: Equatable, Sendable {
    public private(set) var steps: Int
    public let batch: Int
    public let width: Int
    public var data: [Double]

    public init(steps: Int, batch: Int, width: Int, repeating value: Double = 0) {
        precondition(steps >= 0 && batch >= 0 && width >= 0)
        self.steps = steps
        self.batch = batch
        self.width = width
        self.data = [Double](repeating: value, count: steps * batch * width)
    }

    public init(steps: Int, batch: Int, width: Int, data: [Double]) {
        precondition(data.count == steps * batch * width, "Tensor3 data has the wrong size")
        self.steps = steps
        self.batch = batch
        self.width = width
        self.data = data
    }

    @inlinable public var sliceCount: Int { batch * width }
    @inlinable public func offset(_ t: Int) -> Int { t * batch * width }

    @inlinable
    public subscript(t: Int, b: Int, d: Int) -> Double {
        get { data[(t * batch + b) * width + d] }
        set { data[(t * batch + b) * width + d] = newValue }
    }

    /// Nested arrays [t][b][d], for JSON export.
    public var nested: [[[Double]]] {
        (0..<steps).map { t in (0..<batch).map { b in (0..<width).map { d in self[t, b, d] } } }
    }

    /// Uses the first `steps` slices of the existing capacity (no allocation when it fits).
    public mutating func resize(steps newSteps: Int) {
        let needed = newSteps * batch * width
        if needed > data.count { data.append(contentsOf: repeatElement(0, count: needed - data.count)) }
        steps = newSteps
    }
}

/// A row-major matrix.
public struct Matrix: Equatable, Sendable {
    public let rows: Int
    public let cols: Int
    public var data: [Double]

    public init(rows: Int, cols: Int, repeating value: Double = 0) {
        self.rows = rows
        self.cols = cols
        self.data = [Double](repeating: value, count: rows * cols)
    }

    public init(rows: Int, cols: Int, data: [Double]) {
        precondition(data.count == rows * cols, "Matrix data has the wrong size")
        self.rows = rows
        self.cols = cols
        self.data = data
    }

    @inlinable
    public subscript(r: Int, c: Int) -> Double {
        get { data[r * cols + c] }
        set { data[r * cols + c] = newValue }
    }
}
