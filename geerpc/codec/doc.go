// Package codec reads and writes GeeRPC messages (a header then a body) in gob or JSON.
package codec
