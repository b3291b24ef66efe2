package config

import "reflect"

// Clone returns a deep copy of c: nothing it shares with c can be changed
// through it.
func (c *Config) Clone() *Config {
	if c == nil {
		return nil
	}
	return deepCopy(reflect.ValueOf(c)).Interface().(*Config)
}

// Redacted returns a deep copy of c that is safe to show (config.get, logs).
// Secrets are never inline in a config today: the MQTT password and TLS key
// are given as file paths, which are not secret, and the username is shown.
// Redacted is the place to blank any inline secret added later.
func (c *Config) Redacted() *Config { return c.Clone() }

// deepCopy copies v, following pointers and slices (the Config has no maps,
// interfaces or cycles).
func deepCopy(v reflect.Value) reflect.Value {
	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() {
			return v
		}
		out := reflect.New(v.Type().Elem())
		out.Elem().Set(deepCopy(v.Elem()))
		return out
	case reflect.Slice:
		if v.IsNil() {
			return v
		}
		out := reflect.MakeSlice(v.Type(), v.Len(), v.Len())
		for i := range v.Len() {
			out.Index(i).Set(deepCopy(v.Index(i)))
		}
		return out
	case reflect.Struct:
		out := reflect.New(v.Type()).Elem()
		for i := range v.NumField() {
			out.Field(i).Set(deepCopy(v.Field(i)))
		}
		return out
	}
	return v
}
