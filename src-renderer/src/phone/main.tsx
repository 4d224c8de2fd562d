import { mount } from '../mount.tsx';
import '../styles/phone.css';
import { PhoneApp } from './PhoneApp.tsx';

// The token rides in the fragment (never sent to a server); read it once and drop it from the address bar.
const token = new URLSearchParams(location.hash.slice(1)).get('t') ?? undefined;
if (token) history.replaceState(null, '', location.pathname);

mount(<PhoneApp token={token} />);
