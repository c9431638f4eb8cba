module github.com/geerpclab/geerpc/geerpc

go 1.26.0
