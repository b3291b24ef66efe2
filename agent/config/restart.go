package config

import (
	"reflect"
	"strings"
)

// restartKeys are the keys whose change needs a restart: identity, storage,
// the socket and the uplink are set up once at start. The rest (models,
// sensors, pipelines, log.level, agent, ota) the daemon applies live.
func restartKeys() []string {
	return []string{"device.id", "device.groups", "data_dir", "log.format", "socket", "mqtt", "buffer"}
}

// RestartNeeded lists the keys (e.g. "mqtt.broker", "socket.path") that
// differ between prev and next and whose change needs a restart; nil when a
// reload can apply next entirely. device.groups is among them: the uplink
// subscribes the group topics when it connects.
func RestartNeeded(prev, next *Config) []string {
	var out []string
	for _, k := range diffKeys("", reflect.ValueOf(*prev), reflect.ValueOf(*next)) {
		for _, r := range restartKeys() {
			if k == r || strings.HasPrefix(k, r+".") {
				out = append(out, k)
				break
			}
		}
	}
	return out
}

// diffKeys lists the leaf keys of two values of one struct type that
// differ (lists compare whole).
func diffKeys(path string, a, b reflect.Value) []string {
	if a.Kind() != reflect.Struct || isCustomScalar(a.Type()) {
		if reflect.DeepEqual(a.Interface(), b.Interface()) {
			return nil
		}
		return []string{path}
	}
	var out []string
	for i := range a.NumField() {
		key := yamlKey(a.Type().Field(i))
		if key == "" {
			continue
		}
		out = append(out, diffKeys(joinPath(path, key), a.Field(i), b.Field(i))...)
	}
	return out
}
