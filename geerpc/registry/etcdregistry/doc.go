// Package etcdregistry registers geerpc servers in etcd under leased keys and discovers them by listing and watching a key prefix.
package etcdregistry
