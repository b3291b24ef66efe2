package fleet

// DecompressLimit is Decompress with a smaller limit, for tests.
var DecompressLimit = decompress
