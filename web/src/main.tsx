import '@mantine/core/styles.css';
import { createTheme, MantineProvider } from '@mantine/core';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { BrowserRouter } from 'react-router';
import { App } from './App.tsx';
import { AuthProvider } from './auth.tsx';
import { I18nProvider } from './i18n.tsx';

// Darker primary shades than Mantine's defaults, for WCAG AA contrast of text on buttons and links.
const theme = createTheme({ primaryColor: 'blue', primaryShade: 8 });

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <MantineProvider theme={theme}>
      <I18nProvider>
        <BrowserRouter basename="/console">
          <AuthProvider>
            <App />
          </AuthProvider>
        </BrowserRouter>
      </I18nProvider>
    </MantineProvider>
  </StrictMode>,
);
