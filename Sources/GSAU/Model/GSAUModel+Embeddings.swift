extension GSAUModel {
    /// The item vectors the model scores with, row-major [itemCount, d] (row 0 = padding): the raw
    /// item table for SASRec-scored models, the LightGCN layer-mean item rows for graph-scored ones.
    public func scoringItemTable() throws -> [Float] {
        let d = config.embeddingSize, rows = itemCount
        if config.predictWithGraph {
            let mean = queryEngine.graphMean
            return Array(mean[(layout.userCount * d)..<((layout.userCount + rows) * d)])
        }
        return Array(parameters[layout.itemTable..<(layout.itemTable + rows * d)])
    }
}
