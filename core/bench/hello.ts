// The baseline: a bare Elysia hello-world on the same machine.
import { Elysia } from 'elysia'

new Elysia().get('/hello', () => ({ hello: 'world' })).listen({ port: Number(process.env.PORT ?? 3100), hostname: '127.0.0.1' })
console.log('ready')
