package api

import (
	"encoding/binary"
	"hash/crc32"
	"os"
	"path/filepath"
)

func writeFile(path, data string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return os.WriteFile(path, []byte(data), 0o644)
}

// fixCRC rewrites the CRC that follows a PNG chunk's type and data.
func fixCRC(typeAndData []byte) {
	end := typeAndData[len(typeAndData):cap(typeAndData)]
	binary.BigEndian.PutUint32(end[:4], crc32.ChecksumIEEE(typeAndData))
}
