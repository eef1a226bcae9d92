extension GSAUModel {
    /// The item vectors the model scores with, row-major [itemCount, d] (row 0 = padding): the raw
    /// item table for SASRec-scored models, the LightGCN layer-mean item rows for graph-scored ones.
    public func scoringItemTable() throws -> [Float] {
        let d = config.embeddingSize, rows = itemCount
        if config.predictWithGraph, let graph = network.objective.graph {
            return parameters.withUnsafeBufferPointer { p in
                graph.forward(parameters: p.baseAddress!)
                return graph.withMean { Array(UnsafeBufferPointer(start: $0 + layout.userCount * d, count: rows * d)) }
            }
        }
        return Array(parameters[layout.itemTable..<(layout.itemTable + rows * d)])
    }
}
