import { QueryClient, QueryClientProvider } from '@tanstack/react-query'
import { RouterProvider } from '@tanstack/react-router'
import { StrictMode } from 'react'
import { createRoot } from 'react-dom/client'
import { ProblemError } from './api/problem'
import { resume, session } from './api/session'
import { createAppRouter } from './router'
import './app.css'

const queryClient = new QueryClient({
  defaultOptions: {
    queries: {
      staleTime: 10_000,
      // A refused or missing resource will not appear by asking again; a network blip might.
      retry: (count, err) => count < 2 && !(err instanceof ProblemError && err.problem.status >= 400 && err.problem.status < 500),
    },
  },
})
const router = createAppRouter(queryClient)
// Guards read the session, so they run again whenever it changes (signed in, out, ended).
session.subscribe(() => void router.invalidate())

await resume()
createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <QueryClientProvider client={queryClient}>
      <RouterProvider router={router} />
    </QueryClientProvider>
  </StrictMode>,
)
